// Building, classifying and printing messages. The printed form is what scenario tests compare
// against, so a failing test reads as the conversation between the nodes.

import { decodeConfChange } from "./confchange.js";
import { None, type Entry, type Message, type MessageType, type NodeId } from "./types.js";

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** A message with every field not given set to its zero value. */
export function message(init: Partial<Message> & { type: MessageType }): Message {
  const m: Message = {
    type: init.type,
    from: init.from ?? None,
    to: init.to ?? None,
    term: init.term ?? 0,
    logTerm: init.logTerm ?? 0,
    index: init.index ?? 0,
    entries: init.entries ?? [],
    commit: init.commit ?? 0,
    reject: init.reject ?? false,
    rejectHint: init.rejectHint ?? 0,
    context: init.context ?? EMPTY_BYTES,
  };
  if (init.snapshot !== undefined) m.snapshot = init.snapshot;
  return m;
}

/** Messages a node makes for itself; they must never arrive from the network. */
export function isLocalMsg(t: MessageType): boolean {
  return t === "hup" || t === "beat" || t === "unreachable" || t === "snapStatus" || t === "checkQuorum";
}

/** Messages that answer the receiver; they are ignored from nodes outside the configuration. */
export function isResponseMsg(t: MessageType): boolean {
  return t === "appResp" || t === "voteResp" || t === "heartbeatResp" || t === "unreachable" || t === "preVoteResp";
}

export function voteRespType(t: "vote" | "preVote"): "voteResp" | "preVoteResp" {
  return t === "vote" ? "voteResp" : "preVoteResp";
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const decoder = new TextDecoder();

function text(b: Uint8Array): string {
  return JSON.stringify(decoder.decode(b));
}

export function describeEntry(e: Entry): string {
  const at = `${e.term}/${e.index}`;
  if (e.type === "confChange") {
    try {
      const cc = decodeConfChange(e.data);
      return `${at} ${cc.type} ${cc.nodeId}`;
    } catch {
      return `${at} confChange(undecodable)`;
    }
  }
  return e.data.length === 0 ? at : `${at} ${text(e.data)}`;
}

/** One line per message: "1->2 app term=2 log=1/3 commit=3 entries=[2/4 "x"]". */
export function describeMessage(m: Message): string {
  const parts = [`${idText(m.from)}->${idText(m.to)} ${m.type}`];
  if (m.term !== 0) parts.push(`term=${m.term}`);
  switch (m.type) {
    case "vote":
    case "preVote":
      parts.push(`log=${m.logTerm}/${m.index}`);
      if (m.context.length > 0) parts.push(`ctx=${text(m.context)}`);
      break;
    case "voteResp":
    case "preVoteResp":
      if (m.reject) parts.push("reject");
      break;
    case "app":
      parts.push(`log=${m.logTerm}/${m.index}`, `commit=${m.commit}`);
      if (m.entries.length > 0) parts.push(`entries=[${m.entries.map(describeEntry).join(", ")}]`);
      break;
    case "appResp":
      parts.push(`index=${m.index}`);
      if (m.reject) parts.push(`reject hint=${m.logTerm}/${m.rejectHint}`);
      break;
    case "heartbeat":
      parts.push(`commit=${m.commit}`);
      if (m.context.length > 0) parts.push(`ctx=${text(m.context)}`);
      break;
    case "heartbeatResp":
      if (m.context.length > 0) parts.push(`ctx=${text(m.context)}`);
      break;
    case "snap": {
      const s = m.snapshot;
      if (s) {
        const cs = s.meta.confState;
        parts.push(`snapshot=${s.meta.term}/${s.meta.index}`, `voters=[${cs.voters.join(",")}]`);
        if (cs.learners.length > 0) parts.push(`learners=[${cs.learners.join(",")}]`);
      }
      break;
    }
    case "prop":
      parts.push(`entries=[${m.entries.map(describeEntry).join(", ")}]`);
      break;
    case "readIndex":
    case "readIndexResp":
      if (m.type === "readIndexResp") parts.push(`index=${m.index}`);
      parts.push(`ctx=${text(m.context)}`);
      break;
    default:
      break;
  }
  return parts.join(" ");
}

function idText(id: NodeId): string {
  return id === None ? "_" : String(id);
}
