pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// MerkleRoot(depth): the root of a fixed-depth binary Poseidon tree reached from `leaf` through
// `siblings`, the direction at level l being bit l of `leafIndex` (1 = the path node is a right
// child). Node = Poseidon(left, right), as prover/merkle/merkleTree.ts computes it.
// Inputs: leaf, siblings[l] any field elements; leafIndex < 2^depth (enforced by Num2Bits).
// constraints: about 243 per level (Poseidon(2) + one multiplexer constraint + one bit).
template MerkleRoot(depth) {
    signal input leaf;
    signal input leafIndex;
    signal input siblings[depth];
    signal output root;

    // Num2Bits both decomposes and bounds the index: a wrong index changes the path, an index
    // >= 2^depth has no decomposition.
    component bits = Num2Bits(depth);
    bits.in <== leafIndex;

    signal nodes[depth + 1];
    signal left[depth];
    signal right[depth];
    component hashers[depth];
    nodes[0] <== leaf;
    for (var l = 0; l < depth; l++) {
        left[l] <== nodes[l] + bits.out[l] * (siblings[l] - nodes[l]);
        right[l] <== nodes[l] + siblings[l] - left[l];
        hashers[l] = Poseidon(2);
        hashers[l].inputs[0] <== left[l];
        hashers[l].inputs[1] <== right[l];
        nodes[l + 1] <== hashers[l].out;
    }
    root <== nodes[depth];
}

// MerkleInclusion(depth): `leaf` sits at `leafIndex` in the tree whose root is `root`.
template MerkleInclusion(depth) {
    signal input leaf;
    signal input leafIndex;
    signal input siblings[depth];
    signal input root;

    component computed = MerkleRoot(depth);
    computed.leaf <== leaf;
    computed.leafIndex <== leafIndex;
    computed.siblings <== siblings;
    root === computed.root;
}
