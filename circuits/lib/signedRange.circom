pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";

// SignedRange(bits): proves -(2^(bits-1) - 1) <= in <= 2^(bits-1) - 1 as an integer, i.e. the field
// element `in` is the image of a small signed integer and nothing wraps around mod r. It decomposes
// u = in + 2^(bits-1) into `bits` bits (so 0 <= u < 2^bits) and forbids u = 0 (one inverse hint),
// which makes the range symmetric, as prover/index/featureHash.ts `checkFeatures` checks it.
// Outputs: offset = u (in [1, 2^bits - 1], used for feature packing) and isNonNegative = top bit of u
// (1 iff in >= 0; sound because the decomposition of u < 2^bits < r is unique).
// Inputs: in, any field element (out of range -> unsatisfiable). bits in [2, 252].
// constraints: bits + 1 at (bits); 17 at (16)
template SignedRange(bits) {
    assert(bits >= 2 && bits <= 252);
    signal input in;
    signal output offset;
    signal output isNonNegative;

    offset <== in + (1 << (bits - 1));
    component u = Num2Bits(bits);
    u.in <== offset;

    // u != 0 excludes -2^(bits-1): `inverse` is only a hint, the product pins it.
    signal inverse;
    inverse <-- offset != 0 ? 1 / offset : 0;
    inverse * offset === 1;

    isNonNegative <== u.out[bits - 1];
}

// PositivePart(bits): out = max(in, 0) for a signed integer |in| <= 2^(bits-1) - 1 (range enforced
// by SignedRange). A negative `in` cannot be passed off as positive: its sign bit is fixed by the
// unique bit decomposition of in + 2^(bits-1), and out = sign * in.
// constraints: bits + 2 at (bits); 36 at (34)
template PositivePart(bits) {
    signal input in;
    signal output out;

    component range = SignedRange(bits);
    range.in <== in;
    out <== range.isNonNegative * in;
}
