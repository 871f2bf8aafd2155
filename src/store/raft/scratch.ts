import { Network } from "./harness.js";
const net = new Network({ voters: [1, 2, 3] });
net.campaign(1); net.stabilize(); net.take();
net.addNode(4);
net.proposeConfChange(1, { type: "addNode", nodeId: 4 });
net.stabilize();
console.log(net.take());
console.log(net.n(4).confState, net.n(4).status());
