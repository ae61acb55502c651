pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// RecordLeaf(): a datanet leaf, Poseidon(contributor, contentHash, labelHash), as
// prover/datanet/recordLeaf.ts. contributor is an EVM address as an integer: Num2Bits(160) stops a
// value >= 2^160 from standing in for an address. contentHash = keccak256(content) >> 8 and
// labelHash = keccak256(UTF-8 label) >> 8 (0 for a record without a label) are computed outside
// (any field element): the leaf binds the label because labels change every attribution score.
// constraints: 421 (Poseidon(3) 261 + Num2Bits(160); Poseidon(2) made it 400).
template RecordLeaf() {
    signal input contributor;
    signal input contentHash;
    signal input labelHash;
    signal output leaf;

    component addressBits = Num2Bits(160);
    addressBits.in <== contributor;

    component hasher = Poseidon(3);
    hasher.inputs[0] <== contributor;
    hasher.inputs[1] <== contentHash;
    hasher.inputs[2] <== labelHash;
    leaf <== hasher.out;
}
