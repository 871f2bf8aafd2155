import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJSONPatchOpsStrict, duplicateFields, GoSyntaxError, goMarshal, goQuote, goSprint, goSprintS, mapTypeError, parseGoJSON, toValue } from "./gojson.js";

const parse = (s: string | Uint8Array) => parseGoJSON(typeof s === "string" ? Buffer.from(s, "utf8") : s);

function syntaxError(s: string | Uint8Array): string {
  try {
    parse(s);
  } catch (e) {
    assert.ok(e instanceof GoSyntaxError);
    return e.message;
  }
  assert.fail("parsed");
}

describe("parseGoJSON", () => {
  it("reads values as encoding/json does", () => {
    const cases: [string, unknown][] = [
      ['{"a":[1,-2.5e3,true,false,null,"x"],"b":{}}', { a: [1, -2500, true, false, null, "x"], b: {} }],
      [' \t\r\n[ ] ', []],
      ['"\\u00e9\\ud83d\\ude00\\/\\b"', "é😀/\b"],
      ['"\\ud800x"', "\ufffdx"], // a lone surrogate becomes U+FFFD
      ['{"a":1,"a":2}', { a: 2 }], // last duplicate wins
      ['{"__proto__":{"x":1}}', JSON.parse('{"__proto__":{"x":1}}')],
    ];
    for (const [text, want] of cases) assert.deepEqual(toValue(parse(text)), want, text);
    assert.ok(Object.prototype.hasOwnProperty.call(toValue(parse('{"__proto__":1}')), "__proto__"));
  });

  it("reports syntax errors in Go's words", () => {
    const cases: [string | Uint8Array, string][] = [
      ["", "unexpected end of JSON input"],
      ["  ", "unexpected end of JSON input"],
      ["{", "unexpected end of JSON input"],
      ['{"a":', "unexpected end of JSON input"],
      ['"abc', "unexpected end of JSON input"],
      ["tru", "unexpected end of JSON input"],
      ["{a", "invalid character 'a' looking for beginning of object key string"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
      ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
      ["[1 2]", "invalid character '2' after array element"],
      ["[1,]", "invalid character ']' looking for beginning of value"],
      ["1 2", "invalid character '2' after top-level value"],
      ["01", "invalid character '1' after top-level value"],
      ["-x", "invalid character 'x' in numeric literal"],
      ["1.x", "invalid character 'x' after decimal point in numeric literal"],
      ["1e+", "unexpected end of JSON input"],
      ["1ex", "invalid character 'x' in exponent of numeric literal"],
      ["trux", "invalid character 'x' in literal true (expecting 'e')"],
      ["fals", "unexpected end of JSON input"],
      ["nul1", "invalid character '1' in literal null (expecting 'l')"],
      ['"a\\x"', "invalid character 'x' in string escape code"],
      ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
      ['"a\nb"', "invalid character '\\n' in string literal"],
      ["'a'", "invalid character '\\'' looking for beginning of value"],
      ["spec:\n  replicas: 2", "invalid character 's' looking for beginning of value"], // YAML is not accepted
      [Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), "invalid character 'ï' looking for beginning of value"],
      ["[" + "[".repeat(10000), "invalid character '[' exceeded max depth"],
    ];
    for (const [text, want] of cases) assert.equal(syntaxError(text), want, String(text).slice(0, 30));
  });

  it("keeps scalar source text", () => {
    const n = parse('[1.0, "a\\u0026b", true]');
    assert.equal(n.t, "array");
    if (n.t !== "array") return;
    assert.deepEqual(
      n.items.map((i) => ("raw" in i ? i.raw : i.t)),
      ["1.0", '"a\\u0026b"', "bool"],
    );
  });
});

describe("strict decoding", () => {
  it("finds duplicate fields by path, once each", () => {
    const n = parse('{"metadata":{"labels":{"a":"1","a":"2","a":"3"}},"spec":{"containers":[{"name":"x","name":"y"}]},"metadata":{}}');
    assert.deepEqual(duplicateFields(n), ['duplicate field "metadata.labels.a"', 'duplicate field "spec.containers[0].name"', 'duplicate field "metadata"']);
  });

  it("decodes JSON patch ops as kube's jsonPatchOp", () => {
    const cases: [string, { error?: string; strict: string[] }][] = [
      ['[{"op":"add","path":"/a","value":{"x":1,"x":2}},{"op":"add","op":"remove","Path":"/b","foo":1}]', { strict: ['duplicate field "[0].value.x"', 'duplicate field "[1].op"', 'unknown field "[1].Path"', 'unknown field "[1].foo"'] }],
      ["null", { strict: [] }],
      ["[null]", { strict: [] }],
      ['{"op":"add"}', { error: "json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp", strict: [] }],
      ['[{"op":"add"},"x"]', { error: "json: cannot unmarshal string into Go value of type handlers.jsonPatchOp", strict: [] }],
      ['[{"op":1,"foo":2}]', { error: "json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string", strict: [] }],
      ['[{"op":"add","path":["x"]}]', { error: "json: cannot unmarshal array into Go struct field jsonPatchOp.path of type string", strict: [] }],
    ];
    for (const [text, want] of cases) assert.deepEqual(decodeJSONPatchOpsStrict(parse(text)), want, text);
  });

  it("names a non-object for map decoding", () => {
    assert.equal(mapTypeError(parse("[]")), "json: cannot unmarshal array into Go value of type map[string]interface {}");
    assert.equal(mapTypeError(parse("true")), "json: cannot unmarshal bool into Go value of type map[string]interface {}");
    assert.equal(mapTypeError(parse("null")), undefined);
  });
});

describe("Go formatting", () => {
  it("prints values as fmt's %v", () => {
    const cases: [unknown, string][] = [
      [{ b: [1, "x y", null], a: { c: true } }, "map[a:map[c:true] b:[1 x y <nil>]]"],
      [[], "[]"],
      [0.5, "0.5"],
      [100000.5, "100000.5"],
      [1234567.5, "1.2345675e+06"],
      [0.00001, "1e-05"],
      [-3, "-3"],
    ];
    for (const [v, want] of cases) assert.equal(goSprint(v), want);
    assert.equal(goSprintS("merge"), "merge");
    assert.equal(goSprintS(1), "%!s(int64=1)");
    assert.equal(goSprintS(null), "%!s(<nil>)");
  });

  it("quotes as strconv.Quote and marshals as encoding/json", () => {
    assert.equal(goQuote('a"b\\\n\x01é\u00a0😀'), '"a\\"b\\\\\\n\\x01é\\u00a0😀"');
    assert.equal(goMarshal({ b: "<a&b>", a: [1, 0.5, null, "\u2028\n\b"] }), '{"a":[1,0.5,null,"\\u2028\\n\\b"],"b":"\\u003ca\\u0026b\\u003e"}');
  });
});
