pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// QuaternaryChild(): `node` is child number low + 2 * high of a 4-ary node whose children are
// `children` (in order). The prover supplies all four children, the path node included, and the
// circuit only checks that the one at the claimed position equals `node`:
//   node = c0 + low (c1 - c0) + high (c2 - c0 + low (c3 - c2 - c1 + c0))
// (the bilinear interpolation of c over the two bits). The other three children are the siblings,
// free as in a binary path. Sound because low and high are bits (Num2Bits in the caller), so the
// right-hand side is exactly c[low + 2 high], and Poseidon then binds all four children.
// Inputs: low, high in {0, 1} (the caller's duty); node, children any field elements.
// constraints: 3 at ()  (the 6-multiplexer alternative that places node among 3 siblings costs 7)
template QuaternaryChild() {
    signal input node;
    signal input low;
    signal input high;
    signal input children[4];

    signal cross;
    cross <== low * (children[3] - children[2] - children[1] + children[0]);
    signal upper;
    upper <== high * (children[2] - children[0] + cross);
    node - children[0] - upper === low * (children[1] - children[0]);
}

// QuaternaryMerkleRoot(levels): the root of a fixed-depth 4-ary Poseidon tree (node =
// Poseidon(c0, c1, c2, c3), empty leaf 0) reached from `leaf`; at level l the path node is child
// number (leafIndex >> 2l) & 3, so leafIndex has the same meaning as in the binary tree of depth
// 2 levels (a binary depth-20 index tree and a 4-ary 10-level one address the same 2^20 leaves).
// children[l] holds the four children of the level-l parent, the path node at its position.
// Inputs: leaf, children any field elements; leafIndex < 4^levels (enforced by Num2Bits).
// constraints: 2 levels + levels (Poseidon(4) + 3); 3,062 at (10)
template QuaternaryMerkleRoot(levels) {
    signal input leaf;
    signal input leafIndex;
    signal input children[levels][4];
    signal output root;

    component bits = Num2Bits(2 * levels);
    bits.in <== leafIndex;

    signal nodes[levels + 1];
    component slots[levels];
    component hashers[levels];
    nodes[0] <== leaf;
    for (var l = 0; l < levels; l++) {
        slots[l] = QuaternaryChild();
        slots[l].node <== nodes[l];
        slots[l].low <== bits.out[2 * l];
        slots[l].high <== bits.out[2 * l + 1];
        slots[l].children <== children[l];
        hashers[l] = Poseidon(4);
        hashers[l].inputs <== children[l];
        nodes[l + 1] <== hashers[l].out;
    }
    root <== nodes[levels];
}
