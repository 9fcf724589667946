// The big-number step of encryptPassword, lent to the Go side
// (wasm/hostmath.go). Go parses and checks the key, pads the message
// (RFC 8017 PKCS#1 v1.5, with its own randomness) and encodes the result;
// only c = m^e mod n runs here, because JavaScript's BigInt is native code,
// several times faster than Go's big-number arithmetic compiled to
// WebAssembly (which has no 64×64→128-bit multiply).
//
// Like OpenSSL's RSA public-key operation this runs in time that may depend
// on the message; the exponent and modulus are public.

// Hex digits of every byte, as char codes: BigInt parses a hex literal
// faster than it can be built from bytes any other way.
const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  HEX[2 * i] = i.toString(16).padStart(2, '0').charCodeAt(0);
  HEX[2 * i + 1] = i.toString(16).padStart(2, '0').charCodeAt(1);
}
const latin1 = new TextDecoder('latin1');
// Value of a hex digit's char code (0-9, a-f: what BigInt#toString(16) writes).
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 16; i++) NIBBLE[i.toString(16).charCodeAt(0)] = i;

/**
 * buf holds n then m, big-endian, size bytes each (m < n); writes
 * c = m^e mod n over m's bytes.
 *
 * @param {Uint8Array} buf
 * @param {number} size modulus length in bytes
 * @param {number} e public exponent, odd, 3 ≤ e < 2^31
 */
export function rsaPublic(buf, size, e) {
  const n = toBigInt(buf, 0, size);
  const m = toBigInt(buf, size, 2 * size);
  let c = m;
  for (let bit = 30 - Math.clz32(e); bit >= 0; bit--) {
    c = (c * c) % n;
    if ((e >>> bit) & 1) c = (c * m) % n;
  }
  const hex = c.toString(16).padStart(2 * size, '0');
  for (let i = 0; i < size; i++) {
    buf[size + i] = (NIBBLE[hex.charCodeAt(2 * i)] << 4) | NIBBLE[hex.charCodeAt(2 * i + 1)];
  }
}

function toBigInt(bytes, from, to) {
  const text = new Uint8Array(2 + 2 * (to - from));
  text[0] = 0x30; // 0
  text[1] = 0x78; // x
  for (let i = from, j = 2; i < to; i++, j += 2) {
    text[j] = HEX[2 * bytes[i]];
    text[j + 1] = HEX[2 * bytes[i] + 1];
  }
  return BigInt(latin1.decode(text));
}
