import { Network } from "./harness.js";
const net = new Network({ voters: [1, 2, 3] });
net.campaign(1); net.stabilize(); net.take();
net.readIndex(1, "a"); net.readIndex(2, "b"); net.readIndex(1, "c");
net.tickAll(1);
console.log(net.take());
