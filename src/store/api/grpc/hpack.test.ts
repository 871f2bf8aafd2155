// HPACK decoder against RFC 7541 Appendix C, plus error cases and a round trip through
// node:http2's (nghttp2's) encoder.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeHeaders, HpackDecoder, HpackError, HUFFMAN_LENGTHS, huffmanCodes, huffmanDecode } from './hpack.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decode(d: HpackDecoder, h: string): Array<[string, string]> {
  const b = hex(h);
  const out: string[] = [];
  d.decode(b, 0, b.length, out);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < out.length; i += 2) pairs.push([out[i]!, out[i + 1]!]);
  return pairs;
}

function table(d: HpackDecoder): Array<[string, string]> {
  return Array.from({ length: d.tableLength }, (_, i) => d.dynamicEntry(i + 1));
}

const req1: Array<[string, string]> = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const req2: Array<[string, string]> = [...req1, ['cache-control', 'no-cache']];
const req3: Array<[string, string]> = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];
const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const loc = 'https://www.example.com';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const resp1: Array<[string, string]> = [[':status', '302'], ['cache-control', 'private'], ['date', date1], ['location', loc]];
const resp2: Array<[string, string]> = [[':status', '307'], ['cache-control', 'private'], ['date', date1], ['location', loc]];
const resp3: Array<[string, string]> = [[':status', '200'], ['cache-control', 'private'], ['date', date2], ['location', loc], ['content-encoding', 'gzip'], ['set-cookie', cookie]];

describe('huffman code', () => {
  it('is the canonical code of RFC 7541 Appendix B', () => {
    let kraft = 0;
    for (const len of HUFFMAN_LENGTHS) kraft += 2 ** -len;
    assert.equal(kraft, 1);
    const codes = huffmanCodes();
    // spot checks against the appendix
    assert.deepEqual(codes[0], [0x1ff8, 13]);
    assert.deepEqual(codes[1], [0x7fffd8, 23]);
    assert.deepEqual(codes[10], [0x3ffffffc, 30]);
    assert.deepEqual(codes[32], [0x14, 6]);
    assert.deepEqual(codes[47], [0x18, 6]);
    assert.deepEqual(codes[48], [0x0, 5]);
    assert.deepEqual(codes[116], [0x9, 5]);
    assert.deepEqual(codes[220], [0xffffffd, 28]);
    assert.deepEqual(codes[255], [0x3ffffee, 26]);
    assert.deepEqual(codes[256], [0x3fffffff, 30]);
  });

  it('round-trips every byte value', () => {
    const codes = huffmanCodes();
    const input = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) & 0xff));
    let bits = '';
    for (const b of input) bits += codes[b]![0].toString(2).padStart(codes[b]![1], '0');
    while (bits.length % 8) bits += '1';
    const enc = Buffer.from(bits.match(/.{8}/g)!.map((x) => parseInt(x, 2)));
    assert.equal(huffmanDecode(enc, 0, enc.length), input.toString('latin1'));
  });

  it('refuses bad padding and EOS', () => {
    // 'a' (00011) + padding 0 bits: padding not all ones
    assert.throws(() => huffmanDecode(Buffer.from([0b00011000]), 0, 1), HpackError);
    // 'a' + 8+3 bits of ones: padding longer than 7 bits
    assert.throws(() => huffmanDecode(Buffer.from([0b00011111, 0xff]), 0, 2), HpackError);
    // EOS itself
    assert.throws(() => huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4), HpackError);
  });
});

describe('HPACK decoder (RFC 7541 Appendix C)', () => {
  it('C.2 field representations', () => {
    const d = new HpackDecoder();
    assert.deepEqual(decode(d, '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'), [['custom-key', 'custom-header']]);
    assert.equal(d.tableSize, 55);
    const d2 = new HpackDecoder();
    assert.deepEqual(decode(d2, '040c 2f73 616d 706c 652f 7061 7468'), [[':path', '/sample/path']]);
    assert.equal(d2.tableLength, 0);
    assert.deepEqual(decode(d2, '1008 7061 7373 776f 7264 0673 6563 7265 74'), [['password', 'secret']]);
    assert.equal(d2.tableLength, 0);
    assert.deepEqual(decode(d2, '82'), [[':method', 'GET']]);
  });

  it('C.3 requests without Huffman', () => {
    const d = new HpackDecoder();
    assert.deepEqual(decode(d, '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'), req1);
    assert.equal(d.tableSize, 57);
    assert.deepEqual(decode(d, '8286 84be 5808 6e6f 2d63 6163 6865'), req2);
    assert.equal(d.tableSize, 110);
    assert.deepEqual(decode(d, '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65'), req3);
    assert.equal(d.tableSize, 164);
    assert.deepEqual(table(d), [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']]);
  });

  it('C.4 requests with Huffman', () => {
    const d = new HpackDecoder();
    assert.deepEqual(decode(d, '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), req1);
    assert.deepEqual(decode(d, '8286 84be 5886 a8eb 1064 9cbf'), req2);
    assert.deepEqual(decode(d, '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'), req3);
    assert.equal(d.tableSize, 164);
  });

  it('C.5 responses without Huffman, with evictions (table size 256)', () => {
    const d = new HpackDecoder(256);
    assert.deepEqual(
      decode(d, '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'),
      resp1,
    );
    assert.equal(d.tableSize, 222);
    assert.deepEqual(decode(d, '4803 3330 37c1 c0bf'), resp2);
    assert.equal(d.tableSize, 222);
    assert.deepEqual(table(d), [[':status', '307'], ['location', loc], ['date', date1], ['cache-control', 'private']]);
    assert.deepEqual(
      decode(d, '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31'),
      resp3,
    );
    assert.equal(d.tableSize, 215);
    assert.deepEqual(table(d), [['set-cookie', cookie], ['content-encoding', 'gzip'], ['date', date2]]);
  });

  it('C.6 responses with Huffman, with evictions (table size 256)', () => {
    const d = new HpackDecoder(256);
    assert.deepEqual(decode(d, '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3'), resp1);
    assert.deepEqual(decode(d, '4883 640e ffc1 c0bf'), resp2);
    assert.deepEqual(
      decode(d, '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07'),
      resp3,
    );
    assert.equal(d.tableSize, 215);
  });
});

describe('HPACK decoder errors and limits', () => {
  const bad = (h: string, d = new HpackDecoder()): void => {
    assert.throws(() => decode(d, h), HpackError);
  };
  it('refuses malformed blocks', () => {
    bad('80'); // index 0
    bad('be'); // dynamic index with an empty table
    bad('ff'); // truncated integer
    bad('ff ff ff ff ff ff 0f'); // integer overflow
    bad('ff 80 80 80 80 80 80 80 80 00'); // endless zero continuation bytes
    bad('400a 6375'); // string longer than the block
    bad('3fe2 1f'); // size update to 4097, above the 4096 setting
    bad('82 20'); // size update after a field
  });

  it('applies table size updates', () => {
    const d = new HpackDecoder();
    decode(d, '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572');
    assert.equal(d.tableLength, 1);
    assert.deepEqual(decode(d, '20 82'), [[':method', 'GET']]); // size 0 empties the table
    assert.equal(d.tableLength, 0);
    assert.deepEqual(decode(d, '3fe1 1f 400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'), [['custom-key', 'custom-header']]);
    assert.equal(d.tableLength, 1);
  });

  it('stops collecting past the limit but keeps the table in step', () => {
    const d = new HpackDecoder();
    const b = hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572 be be be');
    const out: string[] = [];
    const size = d.decode(b, 0, b.length, out, 100);
    assert.equal(size, 55 * 4);
    assert.equal(out.length, 2);
    assert.equal(d.tableLength, 1);
  });

  it('evicts many small entries through the ring', () => {
    const d = new HpackDecoder();
    for (let i = 0; i < 1000; i++) {
      const v = 'v' + i;
      const b = Buffer.concat([Buffer.from([0x40, 1, 0x6b, v.length]), Buffer.from(v)]);
      const out: string[] = [];
      d.decode(b, 0, b.length, out);
      assert.deepEqual(d.dynamicEntry(1), ['k', v]);
    }
    assert.ok(d.tableSize <= 4096);
    assert.equal(d.tableLength, Math.floor(4096 / 37)); // 'k' + 'v123': 37 octets each
  });
});

describe('HPACK encoder', () => {
  it('produces blocks the decoder reads back', () => {
    const fields: Array<[string, string]> = [[':status', '200'], ['content-type', 'application/grpc'], ['grpc-status', '13'], ['grpc-message', 'x'.repeat(300)]];
    const b = encodeHeaders(fields);
    const out: string[] = [];
    new HpackDecoder().decode(b, 0, b.length, out);
    assert.deepEqual(out, fields.flat());
  });
});
