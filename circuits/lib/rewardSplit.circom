pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// RewardSplit(K, bits): payout[i] = floor(pool * score[i] / S) with S = sum_j score[j], and all
// payouts 0 when S = 0. The quotient and remainder are hints; the constraints fix them:
//   pool * score[i] === payout[i] * S + remainder[i]       (integer equality: no side reaches r)
//   remainder[i] < S  (or remainder[i] = 0 and payout[i] = 0 when S = 0)
//   payout[i] < 2^93, remainder[i] < 2^(bits + log2 K), pool < 2^96      (Num2Bits)
//   sum_i payout[i] <= pool: implied, not checked (sum_i floor(P s_i / S) <= P sum_i s_i / S = P).
//   It was checked as well (a Num2Bits(96) of pool - sum) until the challenge game's public inputs
//   needed its 96 constraints to keep the demo circuit within 2^14; the settlement contract checks it
//   again (SettlementPayoutsExceedPool).
// Why no wrap: pool * score < 2^96 * 2^bits and payout * S + remainder < 2^93 * 2^(bits+log K+1),
// both < 2^200 for bits <= 100, so equality in the field is equality in the integers, and with
// 0 <= remainder < S the quotient is exactly the floor.
// payout < 2^93 keeps a payout slot (contributor + payout * 2^160) below r; a pool >= 2^93 whose
// whole value would go to one candidate is therefore unprovable (the TS reference rejects it).
// Inputs: pool (range-checked here), score[K] non-negative with score[i] < 2^bits (the caller's
// duty: they come from PositivePart of range-checked scores). bits <= 100.
// constraints: about K * (97 + 2 * sbits) + 4, sbits = bits + ceil(log2 K) + 1; 602 at (3, 33), 2,914 at (16, 35)
template RewardSplit(K, bits) {
    assert(K >= 1 && bits >= 1 && bits <= 100);
    signal input pool;
    signal input score[K];
    signal output payout[K];

    var sbits = bits + 1;
    while ((1 << (sbits - bits - 1)) < K) sbits++;

    component poolBits = Num2Bits(96);
    poolBits.in <== pool;

    var sumExpr = 0;
    for (var i = 0; i < K; i++) sumExpr += score[i];
    signal total;
    total <== sumExpr;

    // S = 0 is the one case where the division has no unique answer: pay nothing.
    component totalIsZero = IsZero();
    totalIsZero.in <== total;

    signal remainder[K];
    signal lhs[K];
    signal rhs[K];
    component payoutBits[K];
    component remainderBits[K];
    component remainderBelow[K];
    for (var i = 0; i < K; i++) {
        payout[i] <-- total == 0 ? 0 : (pool * score[i]) \ total;
        remainder[i] <-- total == 0 ? 0 : (pool * score[i]) % total;

        payoutBits[i] = Num2Bits(93);
        payoutBits[i].in <== payout[i];
        remainderBits[i] = Num2Bits(sbits);
        remainderBits[i].in <== remainder[i];

        lhs[i] <== pool * score[i];
        rhs[i] <== payout[i] * total;
        lhs[i] === rhs[i] + remainder[i];

        // remainder < S, or remainder < 1 when S = 0; S + isZero < 2^sbits, as LessThan needs.
        remainderBelow[i] = LessThan(sbits);
        remainderBelow[i].in[0] <== remainder[i];
        remainderBelow[i].in[1] <== total + totalIsZero.out;
        remainderBelow[i].out === 1;

        // With S = 0 the equation above holds for any payout: force it to 0.
        payout[i] * totalIsZero.out === 0;
    }
}
