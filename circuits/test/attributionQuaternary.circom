pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/attributionCandidateQuaternary.circom";
include "../lib/featureHash.circom";
include "../lib/indexLeaf.circom";
include "../lib/rewardSplit.circom";

// AttributionQuaternary(K, k, depth, bits): a PROTOTYPE for measuring docs/quality.md's design, not
// a production circuit. It is circuits/attribution.circom's Attribution(K, k, depth) with every
// AttributionCandidate replaced by AttributionCandidateQuaternary(k, depth, bits) (4-ary index tree,
// `bits`-bit index features); the public inputs, their order, the query commitment, the slot order
// rule and RewardSplit are unchanged. Compiled for K = 1 and K = 2 by bench/attributionQuality.bench.ts
// so the difference is the exact cost of one candidate.
template AttributionQuaternary(K, k, depth, bits) {
    signal input settlementId;
    signal input datanetRoot;
    signal input indexRoot;
    signal input queryCommitment;
    signal input pool;
    signal input payoutSlot[K];

    signal input inputHash;
    signal input queryFeatures[k];
    signal input active[K];
    signal input leafIndex[K];
    signal input contributor[K];
    signal input contentHash[K];
    signal input datanetSiblings[K][depth];
    signal input indexChildren[K][depth \ 2][4];
    signal input features[K][k];

    component settlementBits = Num2Bits(248);
    settlementBits.in <== settlementId;

    component queryHash = FeatureHash(k);
    queryHash.features <== queryFeatures;
    component query = IndexLeaf();
    query.recordLeaf <== inputHash;
    query.featureHash <== queryHash.hash;
    query.leaf === queryCommitment;

    component candidates[K];
    for (var i = 0; i < K; i++) {
        candidates[i] = AttributionCandidateQuaternary(k, depth, bits);
        candidates[i].active <== active[i];
        candidates[i].leafIndex <== leafIndex[i];
        candidates[i].contributor <== contributor[i];
        candidates[i].contentHash <== contentHash[i];
        candidates[i].datanetSiblings <== datanetSiblings[i];
        candidates[i].indexChildren <== indexChildren[i];
        candidates[i].features <== features[i];
        candidates[i].queryFeatures <== queryFeatures;
        candidates[i].datanetRoot <== datanetRoot;
        candidates[i].indexRoot <== indexRoot;
    }

    component increasing[K];
    for (var i = 1; i < K; i++) {
        active[i] * (1 - active[i - 1]) === 0;
        increasing[i] = LessThan(depth);
        increasing[i].in[0] <== leafIndex[i - 1];
        increasing[i].in[1] <== leafIndex[i];
        active[i] * (1 - increasing[i].out) === 0;
    }

    var logK = 0;
    while ((1 << logK) < k) logK++;
    component split = RewardSplit(K, bits + 14 + logK);
    split.pool <== pool;
    for (var i = 0; i < K; i++) split.score[i] <== candidates[i].positiveScore;

    for (var i = 0; i < K; i++) {
        payoutSlot[i] === contributor[i] + split.payout[i] * (1 << 160);
    }
}
