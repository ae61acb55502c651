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
    ///        1 datanetRoot, 2 indexRoot, 3 queryCommitment, 4 pool).
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
    /// @notice A withdrawal asked for more than the balance.
    /// @param account The account.
    /// @param balance Its balance.
    /// @param needed The amount asked for.
    error SettlementInsufficientBalance(address account, uint256 balance, uint256 needed);
}
