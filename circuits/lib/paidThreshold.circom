pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

// PaidThreshold(K, bits): threshold = min_i score[i], the smallest positive score among the K
// slots. An inactive slot scores 0 (AttributionCandidate forces it), so the minimum is 0 whenever a
// slot is empty: then any omitted record with a positive score beats the settlement. When all K
// slots are active it is the smallest paid score, which an omitted record must beat strictly to
// prove a fault (circuits/challenge.circom; ties stay with the prover).
// A running minimum: m_0 = score[0], m_i = score[i] < m_{i-1} ? score[i] : m_{i-1}. So threshold is
// one of the scores (the minimum is attained) and no score is below it, the two facts the challenge
// game relies on, for K - 1 comparisons instead of K comparisons plus a product.
// Inputs: score[K] with 0 <= score[i] < 2^bits (PositivePart outputs; LessThan(bits) needs it), so
// threshold < 2^bits too. 1 <= K, bits <= 252.
// constraints: (K - 1) (bits + 2); 70 at (3, 33), 39 at (2, 37)
template PaidThreshold(K, bits) {
    assert(K >= 1 && bits >= 1 && bits <= 252);
    signal input score[K];
    signal output threshold;

    signal running[K];
    component below[K];
    running[0] <== score[0];
    for (var i = 1; i < K; i++) {
        below[i] = LessThan(bits);
        below[i].in[0] <== score[i];
        below[i].in[1] <== running[i - 1];
        running[i] <== running[i - 1] + below[i].out * (score[i] - running[i - 1]);
    }
    threshold <== running[K - 1];
}
