pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "./lib/attributionCandidate.circom";
include "./lib/packedFeatureHash.circom";
include "./lib/indexLeaf.circom";
include "./lib/rewardSplit.circom";
include "./lib/paidThreshold.circom";
include "./lib/paidLeaves.circom";

// Attribution(K, k, depth, bits): the statement of docs/architecture.md. For K candidate slots over a
// binary datanet tree of depth `depth` and a 4-ary index tree of ceil(depth / 2) levels, with k
// features each (index features `bits`-bit signed; the product uses bits = 16, docs/quality.md
// measures 13):
//   - each active candidate's record is in datanetRoot and its features are in indexRoot at the same
//     leafIndex (AttributionCandidate); active slots come first, with strictly increasing leafIndex,
//     so no record is paid twice, and each scores above 0;
//   - queryCommitment = Poseidon(inputHash, FeatureHash(queryFeatures)) (packed as FeatureHash packs);
//   - payout_i = floor(pool * max(score_i, 0) / sum_j max(score_j, 0)), 0 when the sum is 0
//     (RewardSplit), and payoutSlot[i] = contributor_i + payout_i * 2^160 (0 for an empty slot);
//   - threshold = min_i max(score_i, 0) over the K slots (PaidThreshold): the smallest paid score
//     when all K slots are active, 0 when one is empty;
//   - paidLeavesHash = Poseidon(p_0..p_{K-1}), p_i = active_i (leafIndex_i + 1) (PaidLeavesHash).
//   The last two are what a challenger needs (circuits/challenge.circom): the proof alone shows the
//   split over the records the prover chose, the challenge game that they are the ones to pay.
// Public inputs, in this order (circom orders public signals by declaration):
//   settlementId, datanetRoot, indexRoot, queryCommitment, pool, threshold, paidLeavesHash, payoutSlot[K].
// K <= 16: circomlib's Poseidon takes at most 16 inputs.
// settlementId is only bound, not constrained: the settlement contract derives it (chain id, its
// address, the inference id and the prover-fee recipient, so a copied settle cannot redirect the
// fee) and compares it, and snarkjs's setup adds a constraint per public input.
// Slot packing: payout < 2^93 and contributor < 2^160, so a slot stays below r and decodes uniquely.
// constraints at bits = 16 (test/circuitConstraints.test.ts pins the tiny one): 14,130 at (3, 8, 8)
// (tiny, 2^14); 16,333 at (2, 128, 8) (demo, 2^14, 41 to spare); 30,116 at (3, 128, 14) (full demo,
// 2^15); 185,814 at (16, 128, 20) (production, 2^18): 11,427 per additional candidate at depth
// 20. The record leaf's labelHash (Poseidon(3) instead of Poseidon(2)) costs 21 of them per
// candidate. The challenge game's inputs added 334 at tiny and 281 at demo (PaidThreshold +
// PaidLeavesHash); dropping two redundant checks (RewardSplit's sum <= pool, 96, and the query's
// symmetric range, k) paid for them, so the demo still fits the 2^14 powers of tau the tests prepare.
// The rule that an active slot scores above 0 costs 2 a slot.
template Attribution(K, k, depth, bits) {
    assert(K >= 1 && K <= 16);
    var levels = (depth + 1) \ 2;
    signal input settlementId;
    signal input datanetRoot;
    signal input indexRoot;
    signal input queryCommitment;
    signal input pool;
    signal input threshold;
    signal input paidLeavesHash;
    signal input payoutSlot[K];

    signal input inputHash;
    signal input queryFeatures[k];
    signal input active[K];
    signal input leafIndex[K];
    signal input contributor[K];
    signal input contentHash[K];
    signal input labelHash[K];
    signal input datanetSiblings[K][depth];
    signal input indexChildren[K][levels][4];
    signal input features[K][k];

    // The query, packed as prover/index/featureHash.ts packs it (16 bits a feature). The packing's
    // Num2Bits also range-checks every query feature (|phi_q| <= 2^15), which DotProduct relies on.
    // Until the challenge game it was FeatureHash(k), whose extra u != 0 check (one constraint a
    // feature, 128 at k = 128) only made the range symmetric: a query feature of -2^15 (which TS
    // refuses to commit) is still one fixed integer, and with it |score| <= k 2^(bits + 14), which
    // PositivePart refuses only at the all--2^15 extreme (unprovable, never unsound).
    component queryHash = PackedFeatureHash(k, 16);
    queryHash.features <== queryFeatures;
    component query = IndexLeaf();
    query.recordLeaf <== inputHash;
    query.featureHash <== queryHash.hash;
    query.leaf === queryCommitment;

    component candidates[K];
    for (var i = 0; i < K; i++) {
        candidates[i] = AttributionCandidate(k, depth, bits);
        candidates[i].active <== active[i];
        candidates[i].leafIndex <== leafIndex[i];
        candidates[i].contributor <== contributor[i];
        candidates[i].contentHash <== contentHash[i];
        candidates[i].labelHash <== labelHash[i];
        candidates[i].datanetSiblings <== datanetSiblings[i];
        candidates[i].indexChildren <== indexChildren[i];
        candidates[i].features <== features[i];
        candidates[i].queryFeatures <== queryFeatures;
        candidates[i].datanetRoot <== datanetRoot;
        candidates[i].indexRoot <== indexRoot;
    }

    // Active slots first (active[i] = 1 needs active[i-1] = 1) and strictly increasing leafIndex
    // between active slots: the same record cannot take two slots. leafIndex < 2^depth is enforced by
    // the Num2Bits inside MerkleRoot, which LessThan(depth) needs.
    component increasing[K];
    for (var i = 1; i < K; i++) {
        active[i] * (1 - active[i - 1]) === 0;
        increasing[i] = LessThan(depth);
        increasing[i].in[0] <== leafIndex[i - 1];
        increasing[i].in[1] <== leafIndex[i];
        active[i] * (1 - increasing[i].out) === 0;
    }

    // An active slot scores above 0 (its score has an inverse). Otherwise a prover could fill slots
    // with records it pays nothing, whose leaves a challenger cannot tell apart from the same
    // contributor's other records: the paid leaves (PaidLeavesHash) would be unfindable and the
    // settlement unchallengeable. Two constraints a slot instead of IsZero's three.
    signal scoreInverse[K];
    signal inverted[K];
    for (var i = 0; i < K; i++) {
        scoreInverse[i] <-- candidates[i].positiveScore == 0 ? 0 : 1 / candidates[i].positiveScore;
        inverted[i] <== candidates[i].positiveScore * scoreInverse[i];
        active[i] * (inverted[i] - 1) === 0;
    }

    var logK = 0;
    while ((1 << logK) < k) logK++;
    component split = RewardSplit(K, bits + 14 + logK);
    split.pool <== pool;
    for (var i = 0; i < K; i++) split.score[i] <== candidates[i].positiveScore;

    for (var i = 0; i < K; i++) {
        payoutSlot[i] === contributor[i] + split.payout[i] * (1 << 160);
    }

    // What a challenger needs (circuits/challenge.circom): the smallest paid score (0 when a slot is
    // empty) and the paid records. Without them the proof shows the split of the records the prover
    // chose, not that they are the ones that should be paid.
    component paidThreshold = PaidThreshold(K, bits + 14 + logK);
    for (var i = 0; i < K; i++) paidThreshold.score[i] <== candidates[i].positiveScore;
    threshold === paidThreshold.threshold;

    component paidLeaves = PaidLeavesHash(K);
    paidLeaves.active <== active;
    paidLeaves.leafIndex <== leafIndex;
    paidLeavesHash === paidLeaves.hash;
}
