pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "./signedRange.circom";

// FeatureHash(k): the commitment to a vector of k signed features, exactly as
// prover/index/featureHash.ts computes it. Each feature must satisfy |phi| <= 2^15 - 1 (enforced by
// SignedRange(16), which also makes the packing injective: every offset u = phi + 2^15 fills at most
// 16 bits). The offsets are packed 15 per element, p_j = sum_t u_{15j+t} * 2^(16t) (240 bits < r),
// then hashed with a Poseidon chain: h = Poseidon(p_0..p_15) when there are <= 16 elements, else
// h = Poseidon(p_0..p_15), h = Poseidon(h, next <= 15 elements), ...
// Inputs: features[k], signed (any field element; out of range -> unsatisfiable). k >= 1.
// constraints: 17 per feature + Poseidon(ceil(k/15)); 349 at (8), 805 at (32)
template FeatureHash(k) {
    assert(k >= 1);
    signal input features[k];
    signal output hash;

    var nPacked = (k + 14) \ 15;
    component ranges[k];
    signal packed[nPacked];
    var acc[nPacked];
    for (var j = 0; j < nPacked; j++) acc[j] = 0;
    for (var i = 0; i < k; i++) {
        ranges[i] = SignedRange(16);
        ranges[i].in <== features[i];
        acc[i \ 15] += ranges[i].offset * (1 << (16 * (i % 15)));
    }
    for (var j = 0; j < nPacked; j++) packed[j] <== acc[j];

    // The chain: the first Poseidon takes up to 16 elements, each further one the running hash and
    // up to 15 more elements (the same split as featureHash.ts, so long vectors stay one commitment).
    var firstWidth = nPacked < 16 ? nPacked : 16;
    var nLinks = nPacked <= 16 ? 0 : (nPacked - 16 + 14) \ 15;
    component first = Poseidon(firstWidth);
    for (var j = 0; j < firstWidth; j++) first.inputs[j] <== packed[j];
    signal chain[nLinks + 1];
    chain[0] <== first.out;
    component links[nLinks];
    for (var l = 0; l < nLinks; l++) {
        var start = 16 + 15 * l;
        var width = nPacked - start < 15 ? nPacked - start : 15;
        links[l] = Poseidon(width + 1);
        links[l].inputs[0] <== chain[l];
        for (var j = 0; j < width; j++) links[l].inputs[j + 1] <== packed[start + j];
        chain[l + 1] <== links[l].out;
    }
    hash <== chain[nLinks];
}
