pragma circom 2.1.9;

include "../lib/merkleInclusion.circom";
include "../lib/recordLeaf.circom";

// DatanetInclusion(depth): the record (contributor, contentHash, labelHash) is a leaf of the datanet `root`.
// A small circuit of its own so tests can check TS and circuit agree on leaves and roots.
template DatanetInclusion(depth) {
    signal input root;
    signal input contributor;
    signal input contentHash;
    signal input labelHash;
    signal input leafIndex;
    signal input siblings[depth];

    component leaf = RecordLeaf();
    leaf.contributor <== contributor;
    leaf.contentHash <== contentHash;
    leaf.labelHash <== labelHash;

    component inclusion = MerkleInclusion(depth);
    inclusion.leaf <== leaf.leaf;
    inclusion.leafIndex <== leafIndex;
    inclusion.siblings <== siblings;
    inclusion.root <== root;
}
