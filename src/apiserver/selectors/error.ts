/** A selector that does not parse or validate; `message` is kube's text, ready for a 400 Status. */
export class SelectorError extends Error {
  override name = "SelectorError";
}
