pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// PackedFeatureHash(k, bits): the commitment to k signed features of `bits` bits each,
// -2^(bits-1) <= phi <= 2^(bits-1) - 1. Offsets u = phi + 2^(bits-1) are packed
// floor(248 / bits) per field element (15 at 16 bits, as FeatureHash(k) and
// prover/index/featureHash.ts; 19 at 13 bits; 20 at 12 bits), p_j = sum_t u_{n j + t} 2^(bits t),
// then hashed with the same Poseidon chain as FeatureHash (Poseidon(p_0..p_15), then
// Poseidon(h, next <= 15)). At bits = 16 the hash equals FeatureHash(k) for every vector the TS
// side accepts (it refuses phi = -2^15, which this template allows: see below).
// Why Num2Bits(bits) per feature and nothing more: the bits make the packing injective (each u
// fills at most `bits` bits, so p_j has one preimage) and bound |phi| <= 2^(bits-1), which is all
// the dot product needs to stay far below r. FeatureHash's extra "u != 0" constraint only makes the
// range symmetric; a committed -2^(bits-1) is still one fixed integer, so dropping it lets no
// prover change a score. Since the challenge game the query is packed by this template too (16 bits),
// so |phi_i phi_q| <= 2^(bits + 14); PositivePart refuses only the all -2^15 extreme (unprovable).
// Inputs: features[k] (any field element; out of range -> unsatisfiable). 2 <= bits <= 16.
// constraints: bits per feature + Poseidon chain; 2,048 + 368 (Poseidon(9)) at (128, 16)
template PackedFeatureHash(k, bits) {
    assert(k >= 1 && bits >= 2 && bits <= 16);
    signal input features[k];
    signal output hash;

    var perElement = 248 \ bits;
    var nPacked = (k + perElement - 1) \ perElement;
    component ranges[k];
    signal packed[nPacked];
    var acc[nPacked];
    for (var j = 0; j < nPacked; j++) acc[j] = 0;
    for (var i = 0; i < k; i++) {
        ranges[i] = Num2Bits(bits);
        ranges[i].in <== features[i] + (1 << (bits - 1));
        acc[i \ perElement] += (features[i] + (1 << (bits - 1))) * (1 << (bits * (i % perElement)));
    }
    for (var j = 0; j < nPacked; j++) packed[j] <== acc[j];

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
