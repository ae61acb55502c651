pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// RecordLeaf(): a datanet leaf, Poseidon(contributor, contentHash), as prover/datanet/recordLeaf.ts.
// contributor is an EVM address as an integer: Num2Bits(160) stops a value >= 2^160 from standing
// in for an address. contentHash = keccak256(content) >> 8 is computed outside (any field element).
// constraints: about 400 (Poseidon(2) + 160 bits).
template RecordLeaf() {
    signal input contributor;
    signal input contentHash;
    signal output leaf;

    component addressBits = Num2Bits(160);
    addressBits.in <== contributor;

    component hasher = Poseidon(2);
    hasher.inputs[0] <== contributor;
    hasher.inputs[1] <== contentHash;
    leaf <== hasher.out;
}
