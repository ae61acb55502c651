// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAttributionSettlement
/// @notice Status, events and custom errors of AttributionSettlement (kept apart so the contract
///         file holds only behaviour; the ABI is the same).
interface IAttributionSettlement {
    /// @notice Lifecycle of an inference: None (unknown), Pending (fee escrowed), Settled, Refunded.
    enum Status {
        None,
        Pending,
        Settled,
        Refunded
    }

    /// @notice What a settlement stands on besides its payout slots: who is paid the prover fee and
    ///         the bond back, the bond locked, the two public inputs a challenge needs, and the
    ///         treasury in force at settlement (its fee goes there even if governance moves the
    ///         treasury before the claim). Claims and challenges pass them back; the settlement stores
    ///         only their hash with the slots'.
    struct SettlementTerms {
        address prover;
        uint96 bond;
        uint256 threshold;
        uint256 paidLeavesHash;
        address treasury;
    }

    /// @notice A host recorded an inference and escrowed its fee.
    /// @param inferenceId The inference.
    /// @param modelId The model that answered.
    /// @param host Who paid the fee.
    /// @param circuitId The circuit (id over its verification key) whose proof settles it.
    /// @param queryCommitment Poseidon(inputHash, featureHash(phi_q)), the proof's 4th public input.
    /// @param fee The escrowed fee, in OPEN wei.
    /// @param pool The contributors' share of the fee, the proof's 5th public input.
    event InferenceRecorded(
        bytes32 indexed inferenceId,
        uint256 indexed modelId,
        address indexed host,
        bytes32 circuitId,
        uint256 queryCommitment,
        uint256 fee,
        uint256 pool
    );

    /// @notice An attribution proof settled an inference.
    /// @param inferenceId The inference.
    /// @param prover Who was credited the prover fee.
    /// @param circuitId The circuit whose verifier accepted the proof.
    /// @param paidToContributors Sum of the proven payouts, claimable by contributors.
    /// @param proverFee Claimable by the prover.
    /// @param modelOwnerFee Claimable by the model owner.
    /// @param treasuryFee Claimable by the treasury: its share, rounding, and the unpaid pool.
    /// @param payoutSlots The proven slots (contributor + payout * 2^160); pass them, with `prover`, to `claimAll`.
    event AttributionSettled(
        bytes32 indexed inferenceId,
        address indexed prover,
        bytes32 indexed circuitId,
        uint256 paidToContributors,
        uint256 proverFee,
        uint256 modelOwnerFee,
        uint256 treasuryFee,
        uint256[] payoutSlots
    );

    /// @notice A settlement locked its sender's bond and opened its challenge window.
    /// @param inferenceId The inference.
    /// @param settler Whose balance the bond was taken from.
    /// @param bond The bond, in OPEN wei (returned to the prover with its fee when claimed).
    /// @param threshold The proof's threshold: the smallest paid score, 0 when a slot is empty.
    /// @param paidLeavesHash The proof's Poseidon hash of the paid leaves (leafIndex + 1, 0 for an empty slot).
    /// @param claimableAt When claims open and challenges close.
    /// @param treasury The treasury in force at settlement: its fee is credited there at the claim.
    event SettlementBonded(
        bytes32 indexed inferenceId,
        address indexed settler,
        uint256 bond,
        uint256 threshold,
        uint256 paidLeavesHash,
        uint256 claimableAt,
        address treasury
    );

    /// @notice A challenge proved a settlement left out a better record: it was cancelled.
    /// @param inferenceId The inference, pending again.
    /// @param challenger Who proved it, credited `toChallenger`.
    /// @param prover The cancelled settlement's prover.
    /// @param toChallenger The challenger's share of the bond.
    /// @param toTreasury The rest of the bond.
    event SettlementChallenged(bytes32 indexed inferenceId, address indexed challenger, address indexed prover, uint256 toChallenger, uint256 toTreasury);

    /// @notice OPEN moved into an account's settlement balance.
    /// @param account The account.
    /// @param amount The amount, in OPEN wei.
    event Deposited(address indexed account, uint256 amount);

    /// @notice An account's withdrawable balance grew.
    /// @param account Who was credited.
    /// @param inferenceId The inference the reward comes from.
    /// @param amount The amount, in OPEN wei.
    event RewardCredited(address indexed account, bytes32 indexed inferenceId, uint256 amount);

    /// @notice An account withdrew OPEN from its balance.
    /// @param account Who withdrew (and received the tokens).
    /// @param amount The amount, in OPEN wei.
    event RewardWithdrawn(address indexed account, uint256 amount);

    /// @notice An unsettled inference's fee went back to its host after the timeout.
    /// @param inferenceId The inference.
    /// @param host Who received the fee.
    /// @param fee The refunded fee, in OPEN wei.
    event InferenceRefunded(bytes32 indexed inferenceId, address indexed host, uint256 fee);

    /// @notice An inference id must start with its host's address (then 12 bytes of the host's choosing).
    /// @param inferenceId The id.
    /// @param host The caller, who would be its host.
    error SettlementInferenceIdNotHosts(bytes32 inferenceId, address host);
    /// @notice The inference id is already used (pending, settled or refunded).
    /// @param inferenceId The id.
    error SettlementInferenceExists(bytes32 inferenceId);
    /// @notice No inference has this id.
    /// @param inferenceId The id.
    error SettlementInferenceUnknown(bytes32 inferenceId);
    /// @notice The inference is not pending (already settled or refunded).
    /// @param inferenceId The id.
    /// @param status Its status (2 settled, 3 refunded).
    error SettlementNotPending(bytes32 inferenceId, Status status);
    /// @notice The fee is zero or does not fit 96 bits.
    /// @param fee The fee given.
    error SettlementFeeOutOfRange(uint256 fee);
    /// @notice The model does not exist in the ModelRegistry, or its datanet version has no root.
    /// @param modelId The model.
    error SettlementModelUnknown(uint256 modelId);
    /// @notice The number of public inputs is not the circuit's.
    /// @param expected The circuit's count.
    /// @param got The count given.
    error SettlementInputCount(uint256 expected, uint256 got);
    /// @notice A public input is not below the BN254 scalar field order r.
    /// @param index Its position.
    /// @param value Its value.
    error SettlementInputOutOfRange(uint256 index, uint256 value);
    /// @notice A public input differs from what this contract, the registries or the inference require.
    /// @param index Its position (0 settlementId: a proof made for another chain, contract, inference or prover;
    ///        1 datanetRoot, 2 indexRoot, 3 queryCommitment, 4 pool; in a challenge: 0 challengeId,
    ///        1-3 the same, 4 threshold, 5 paidLeavesHash).
    /// @param expected The required value.
    /// @param got The value given.
    error SettlementInputMismatch(uint256 index, uint256 expected, uint256 got);
    /// @notice The proof is for another circuit than the one recorded with the inference.
    /// @param inferenceId The inference.
    /// @param recorded The circuit id recorded at recordInference.
    /// @param given The circuit id the proof was submitted for.
    error SettlementCircuitMismatch(bytes32 inferenceId, bytes32 recorded, bytes32 given);
    /// @notice The verifier rejected the proof.
    /// @param inferenceId The inference.
    /// @param circuitId The circuit.
    error SettlementProofInvalid(bytes32 inferenceId, bytes32 circuitId);
    /// @notice The proven payouts add up to more than the pool (impossible for a sound circuit).
    /// @param pool The pool.
    /// @param total The sum of payouts.
    error SettlementPayoutsExceedPool(uint256 pool, uint256 total);
    /// @notice The inference is not settled, so it has no payouts to claim.
    /// @param inferenceId The id.
    /// @param status Its status (0 unknown, 1 pending, 3 refunded).
    error SettlementNotSettled(bytes32 inferenceId, Status status);
    /// @notice The refund timeout has not passed.
    /// @param inferenceId The inference.
    /// @param refundableAt The first timestamp a refund is allowed.
    error SettlementRefundTooEarly(bytes32 inferenceId, uint256 refundableAt);
    /// @notice The slots given are not the ones settled for the inference.
    /// @param inferenceId The inference.
    error SettlementPayoutsMismatch(bytes32 inferenceId);
    /// @notice The slot index is outside the slots, or the slot is empty.
    /// @param index The index.
    error SettlementSlotInvalid(uint256 index);
    /// @notice The slot was already claimed.
    /// @param inferenceId The inference.
    /// @param index The slot.
    error SettlementAlreadyClaimed(bytes32 inferenceId, uint256 index);
    /// @notice The sender's settlement balance is below the bond (deposit first).
    /// @param settler The sender.
    /// @param balance Its balance.
    /// @param bond The bond.
    error SettlementBondUnfunded(address settler, uint256 balance, uint256 bond);
    /// @notice Claims wait for the challenge window to pass.
    /// @param inferenceId The inference.
    /// @param claimableAt When claims open.
    error SettlementChallengeWindowOpen(bytes32 inferenceId, uint256 claimableAt);
    /// @notice The challenge window has passed.
    /// @param inferenceId The inference.
    /// @param claimableAt When it closed.
    error SettlementChallengeWindowClosed(bytes32 inferenceId, uint256 claimableAt);
    /// @notice The inference's circuit has no approved challenge verifier.
    /// @param inferenceId The inference.
    /// @param circuitId Its attribution circuit.
    error SettlementChallengeUnsupported(bytes32 inferenceId, bytes32 circuitId);
    /// @notice The challenge verifier rejected the proof.
    /// @param inferenceId The inference.
    error SettlementChallengeInvalid(bytes32 inferenceId);
    /// @notice A withdrawal asked for more than the balance.
    /// @param account The account.
    /// @param balance Its balance.
    /// @param needed The amount asked for.
    error SettlementInsufficientBalance(address account, uint256 balance, uint256 needed);
}
