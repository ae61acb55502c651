// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {DatanetRegistry} from "../DatanetRegistry.sol";
import {ModelRegistry} from "../ModelRegistry.sol";
import {IAttributionVerifier} from "./IAttributionVerifier.sol";
import {SettlementConfig} from "./SettlementConfig.sol";
import {IAttributionSettlement} from "./IAttributionSettlement.sol";

/// @title AttributionSettlement
/// @notice Proof-gated settlement of inference fees. A model host records an inference, with the
///         circuit whose proof will settle it, and escrows its fee in OPEN; anyone then submits an
///         attribution proof (any proof system behind IAttributionVerifier) whose public inputs
///         [settlementId, datanetRoot, indexRoot, queryCommitment, pool, threshold, paidLeavesHash, payoutSlot[K]] match this
///         contract, the registries and the recorded inference; the fee is then split between the
///         contributors (the proven payouts), the prover, the model owner and the treasury.
///         settlementId binds the prover-fee recipient, so a proof pays only the prover it was made for.
/// @dev Gas design (figures: bench/gas.bench.ts). Settlement writes two storage words: the status and
///      ONE hash of (prover, payout slots); it credits no balance (16 fresh balance slots alone cost
///      ~350k gas, and even the prover/owner/treasury credits cost 66k when their slots are fresh).
///      Anyone then calls `claimAll` (or a contributor `claim`) with the prover and the slots, both
///      emitted in AttributionSettled; that credits the balances, and a claim bitmap stops double
///      claims (bits 0..K-1 the slots, bit 255 the prover/owner/treasury fees). Model facts (owner, datanet root, index root) are copied into this
///      contract at the model's first recordInference: both registries are append-only (a model is
///      immutable, a committed datanet version is never overwritten), so the copy always equals the
///      registries and settle makes no external registry call. Rounding remainders and the unpaid
///      part of the contributor pool go to the treasury.
contract AttributionSettlement is IAttributionSettlement, SettlementConfig, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @dev BN254 scalar field order r (the snarkjs verifier's `r`): every public input must be below it.
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev Public inputs before the payout slots: settlementId, datanetRoot, indexRoot, queryCommitment,
    ///      pool, threshold, paidLeavesHash.
    uint256 internal constant FIXED_INPUTS = 7;
    /// @dev The claim bitmap is one word: bits 0..254 for slots, bit 255 for the fees.
    uint256 internal constant MAX_SLOTS = 255;
    uint256 internal constant FEES_BIT = 1 << 255;

    /// @dev Packed into 6 slots; the shares are snapshotted at record time so that the pool the
    ///      prover must prove cannot move under it when governance changes the shares, and so is the
    ///      circuit id, so that approving a new setup's verifier never strands a recorded inference,
    ///      and so is the refund time, so that lowering the refund timeout cannot make inferences
    ///      that provers are proving refundable at once.
    struct Inference {
        address host; // slot 0
        uint64 recordedAt;
        Status status;
        uint16 proverBps;
        uint96 fee; // slot 1 (OPEN supply is 1e27 < 2^96)
        uint96 pool;
        uint16 modelOwnerBps;
        uint48 refundableAt; // recordedAt + the refund timeout at record time
        uint256 modelId; // slot 2
        uint256 queryCommitment; // slot 3
        bytes20 payoutsHash; // slot 4, written at settlement: keccak256(terms, slots), 160 bits (_termsHash)
        uint64 claimableAt; // settlement time + the challenge window then in force
        bytes32 circuitId; // slot 5: the circuit (id over its verification key) that must prove it
    }

    /// @dev Copy of the registries' (immutable) facts a settlement checks; see the contract @dev.
    struct ModelFacts {
        address owner;
        uint256 datanetRoot;
        uint256 indexRoot;
    }

    IERC20 private immutable _token;
    DatanetRegistry private immutable _datanets;
    ModelRegistry private immutable _models;

    mapping(bytes32 inferenceId => Inference) private _inferences;
    mapping(uint256 modelId => ModelFacts) private _modelFacts;
    mapping(bytes32 inferenceId => uint256 bitmap) private _claimed;
    mapping(address account => uint256 amount) private _balances;

    /// @notice Deploy the settlement.
    /// @param token_ The fee token (OPEN).
    /// @param datanets The DatanetRegistry holding committed roots.
    /// @param models The ModelRegistry holding models and index roots.
    /// @param initialOwner The owner (governance's Timelock later) of shares, treasury, timeout, verifiers.
    /// @param treasury_ Where the treasury share goes.
    /// @param shares_ The initial fee split.
    /// @param refundTimeout_ Seconds after recording before an unsettled inference can be refunded.
    /// @param game_ The challenge window, bond and challenger's share.
    constructor(
        IERC20 token_,
        DatanetRegistry datanets,
        ModelRegistry models,
        address initialOwner,
        address treasury_,
        Shares memory shares_,
        uint64 refundTimeout_,
        ChallengeGame memory game_
    ) SettlementConfig(initialOwner, treasury_, shares_, refundTimeout_, game_) {
        _token = token_;
        _datanets = datanets;
        _models = models;
    }

    /// @notice Record an inference and escrow its fee (the caller must have approved `fee`).
    /// @dev An inference id starts with its host's address (20 bytes, then 12 bytes of the host's
    ///      choosing): nobody can take an id a host is about to use by recording it first.
    /// @param modelId The registered model that answered.
    /// @param inferenceId A fresh id: the caller's address, then 12 bytes (the proof binds it through settlementId).
    /// @param circuitId The approved circuit whose proof will settle it (id over its verification key).
    /// @param queryCommitment Poseidon(inputHash, featureHash(phi_q)), < r.
    /// @param fee The fee in OPEN wei, 0 < fee < 2^96.
    function recordInference(uint256 modelId, bytes32 inferenceId, bytes32 circuitId, uint256 queryCommitment, uint256 fee)
        external
        nonReentrant
    {
        _record(modelId, inferenceId, circuitId, queryCommitment, fee);
    }

    /// @notice `recordInference` with an ERC-2612 permit instead of a prior approval.
    /// @dev The permit is tried and its failure ignored when the allowance already suffices: someone
    ///      who front-runs the permit from the mempool must not be able to block the recording.
    /// @param modelId The model.
    /// @param inferenceId The id.
    /// @param circuitId The circuit.
    /// @param queryCommitment The commitment.
    /// @param fee The fee.
    /// @param deadline Permit deadline.
    /// @param v Signature v.
    /// @param r Signature r.
    /// @param s Signature s.
    function recordInferenceWithPermit(
        uint256 modelId,
        bytes32 inferenceId,
        bytes32 circuitId,
        uint256 queryCommitment,
        uint256 fee,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), fee, deadline, v, r, s) {}
        catch {
            // Fall through: transferFrom below fails with the token's own error if the allowance is short.
        }
        _record(modelId, inferenceId, circuitId, queryCommitment, fee);
    }

    /// @notice Settle a pending inference with an attribution proof; anyone may call.
    /// @dev The proof's settlementId must be `settlementIdOf(inferenceId, recipient)` for the resolved
    ///      fee recipient: whoever copies a pending settle from the mempool and sets `prover` to
    ///      itself (or to address(0) from its own account) gets SettlementInputMismatch(0, ...), and
    ///      resending the exact transaction still pays the prover the proof was made for.
    /// @param inferenceId The inference.
    /// @param circuitId The circuit the proof is for; must be the one recorded with the inference.
    /// @param prover Who gets the prover fee; address(0) means the caller. The proof must be made for it.
    /// @param proof The proof in its system's encoding (Groth16: abi.encode(a, b, c)).
    /// @param publicInputs [settlementId, datanetRoot, indexRoot, queryCommitment, pool, threshold, paidLeavesHash, payoutSlot[K]].
    function settle(
        bytes32 inferenceId,
        bytes32 circuitId,
        address prover,
        bytes calldata proof,
        uint256[] calldata publicInputs
    ) external {
        // No nonReentrant: settle moves no token and calls only the verifier, with STATICCALL (view).
        if (prover == address(0)) prover = msg.sender;
        Inference storage inf = _pending(inferenceId);
        bytes32 recorded = inf.circuitId;
        if (recorded != circuitId) revert SettlementCircuitMismatch(inferenceId, recorded, circuitId);
        _checkInputs(inferenceId, prover, inf, circuitId, publicInputs);
        if (!IAttributionVerifier(_verifierOf(circuitId)).verify(proof, publicInputs)) {
            revert SettlementProofInvalid(inferenceId, circuitId);
        }
        _split(inferenceId, inf, circuitId, prover, publicInputs);
    }

    /// @notice Prove, inside the challenge window, that a settlement left out a record that scores
    ///         above its threshold: the settlement is cancelled (the inference is pending again, so a
    ///         correct proof can settle it) and its bond goes to the challenger (`challengerBps`) and
    ///         the treasury. Anyone may challenge.
    /// @dev The challenge proof's public inputs are [challengeId, datanetRoot, indexRoot,
    ///      queryCommitment, threshold, paidLeavesHash]: challengeId binds the sender (a copied
    ///      challenge pays nobody else), the roots and the commitment are the inference's, and the
    ///      threshold and paid leaves are the settlement's (the terms hashed at settle). The circuit
    ///      shows record j is in both roots, j is not a paid leaf, and its score is above the threshold.
    /// @param inferenceId The settled inference.
    /// @param terms The settlement's terms, from its SettlementBonded and AttributionSettled events.
    /// @param payoutSlots The settlement's payout slots, from AttributionSettled.
    /// @param proof The challenge proof.
    /// @param publicInputs Its public inputs.
    function challenge(
        bytes32 inferenceId,
        SettlementTerms calldata terms,
        uint256[] calldata payoutSlots,
        bytes calldata proof,
        uint256[] calldata publicInputs
    ) external {
        Inference storage inf = _checkSlots(inferenceId, terms, payoutSlots);
        if (block.timestamp >= inf.claimableAt) revert SettlementChallengeWindowClosed(inferenceId, inf.claimableAt);
        address verifier = challengeVerifierOf(inf.circuitId);
        if (verifier == address(0)) revert SettlementChallengeUnsupported(inferenceId, inf.circuitId);
        _checkChallengeInputs(inferenceId, inf, terms, publicInputs);
        if (!IAttributionVerifier(verifier).verify(proof, publicInputs)) revert SettlementChallengeInvalid(inferenceId);
        inf.status = Status.Pending;
        inf.payoutsHash = bytes20(0);
        inf.claimableAt = 0;
        _slashBond(inferenceId, terms.prover, terms.bond);
    }

    /// @notice Move OPEN into the caller's settlement balance (the caller must have approved
    ///         `amount`): the balance a settlement's bond is locked from.
    /// @param amount The amount in OPEN wei.
    function deposit(uint256 amount) external nonReentrant {
        _balances[msg.sender] += amount;
        emit Deposited(msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Credit every unclaimed payout of a settled inference, and its prover, model-owner and
    ///         treasury fees, to the accounts' balances; anyone may call (a keeper, a contributor).
    /// @param inferenceId The settled inference.
    /// @dev Opens when the challenge window has passed; also returns the bond to the prover.
    /// @param terms The settlement's terms, from its SettlementBonded and AttributionSettled events.
    /// @param payoutSlots The slots from its AttributionSettled event.
    function claimAll(bytes32 inferenceId, SettlementTerms calldata terms, uint256[] calldata payoutSlots) external {
        Inference storage inf = _claimable(inferenceId, terms, payoutSlots);
        uint256 bitmap = _claimed[inferenceId];
        for (uint256 i = 0; i < payoutSlots.length; i++) {
            if (bitmap & (1 << i) == 0 && payoutSlots[i] >> 160 != 0 && uint160(payoutSlots[i]) != 0) {
                bitmap |= 1 << i;
                _credit(address(uint160(payoutSlots[i])), inferenceId, payoutSlots[i] >> 160);
            }
        }
        if (bitmap & FEES_BIT == 0) {
            bitmap |= FEES_BIT;
            (uint256 proverFee, uint256 ownerFee, uint256 treasuryFee) = _fees(inf, _paid(payoutSlots));
            _credit(terms.prover, inferenceId, proverFee + terms.bond);
            _credit(_modelFacts[inf.modelId].owner, inferenceId, ownerFee);
            _credit(terms.treasury, inferenceId, treasuryFee); // the treasury at settlement
        }
        _claimed[inferenceId] = bitmap;
    }

    /// @notice Credit one contributor payout of a settled inference; anyone may call.
    /// @param inferenceId The settled inference.
    /// @param terms The settlement's terms, from its SettlementBonded and AttributionSettled events.
    /// @param payoutSlots The slots from its AttributionSettled event.
    /// @param index Which slot.
    function claim(bytes32 inferenceId, SettlementTerms calldata terms, uint256[] calldata payoutSlots, uint256 index) external {
        _claimable(inferenceId, terms, payoutSlots);
        if (index >= payoutSlots.length || payoutSlots[index] >> 160 == 0 || uint160(payoutSlots[index]) == 0) {
            revert SettlementSlotInvalid(index);
        }
        uint256 bitmap = _claimed[inferenceId];
        if (bitmap & (1 << index) != 0) revert SettlementAlreadyClaimed(inferenceId, index);
        _claimed[inferenceId] = bitmap | (1 << index);
        _credit(address(uint160(payoutSlots[index])), inferenceId, payoutSlots[index] >> 160);
    }

    /// @notice Withdraw OPEN from the caller's credited balance.
    /// @param amount The amount in OPEN wei, at most the balance.
    function withdraw(uint256 amount) external nonReentrant {
        uint256 balance = _balances[msg.sender];
        if (amount > balance) revert SettlementInsufficientBalance(msg.sender, balance, amount);
        // Checks-effects-interactions: the balance drops before the transfer, so even a token with
        // transfer hooks that re-enters (blocked anyway by nonReentrant) sees the reduced balance.
        unchecked {
            _balances[msg.sender] = balance - amount; // amount <= balance, checked above
        }
        emit RewardWithdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @notice Return an unsettled inference's fee to its host once the refund timeout has passed; anyone may call.
    /// @param inferenceId The pending inference.
    function refund(bytes32 inferenceId) external nonReentrant {
        Inference storage inf = _pending(inferenceId);
        uint256 refundableAt = inf.refundableAt;
        if (block.timestamp < refundableAt) revert SettlementRefundTooEarly(inferenceId, refundableAt);
        inf.status = Status.Refunded;
        emit InferenceRefunded(inferenceId, inf.host, inf.fee);
        _token.safeTransfer(inf.host, inf.fee);
    }

    /// @notice The recorded inference (status 0 = unknown).
    /// @param inferenceId The id.
    /// @return The stored inference.
    function inference(bytes32 inferenceId) external view returns (Inference memory) {
        return _inferences[inferenceId];
    }

    /// @notice The settlementId a proof for this inference and prover must carry:
    ///         uint256(keccak256(abi.encode(block.chainid, address(this), inferenceId, prover))) >> 8.
    /// @dev Binding the prover-fee recipient stops a front-runner from copying a pending settle and
    ///      redirecting the fee; `>> 8` fits the hash in the BN254 field.
    /// @param inferenceId The inference.
    /// @param prover The prover-fee recipient the proof is made for (settle's `prover`, or its caller when that is address(0)).
    /// @return The field-fitted id.
    function settlementIdOf(bytes32 inferenceId, address prover) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), inferenceId, prover))) >> 8;
    }

    /// @notice The challengeId a challenge proof for this inference and challenger must carry:
    ///         uint256(keccak256(abi.encode(block.chainid, address(this), inferenceId, challenger))) >> 8,
    ///         settlementIdOf's formula: the two ids go to different verifiers.
    /// @param inferenceId The settled inference.
    /// @param challenger Who sends the challenge (and is paid its share of the bond).
    /// @return The field-fitted id.
    function challengeIdOf(bytes32 inferenceId, address challenger) public view returns (uint256) {
        return settlementIdOf(inferenceId, challenger);
    }

    /// @notice The model facts copied from the registries at the model's first recording.
    /// @param modelId The model.
    /// @return The facts (zero when never recorded).
    function modelFacts(uint256 modelId) external view returns (ModelFacts memory) {
        return _modelFacts[modelId];
    }

    /// @notice The claim bitmap of a settled inference (bit i = slot i credited, bit 255 = fees credited).
    /// @param inferenceId The inference.
    /// @return The bitmap.
    function claimedBitmap(bytes32 inferenceId) external view returns (uint256) {
        return _claimed[inferenceId];
    }

    /// @notice An account's withdrawable balance in OPEN wei.
    /// @param account The account.
    /// @return The balance.
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @notice The fee token and the registries this settlement checks against.
    /// @return token_ The token.
    /// @return datanets The DatanetRegistry.
    /// @return models The ModelRegistry.
    function dependencies() external view returns (IERC20 token_, DatanetRegistry datanets, ModelRegistry models) {
        return (_token, _datanets, _models);
    }

    function _record(uint256 modelId, bytes32 inferenceId, bytes32 circuitId, uint256 queryCommitment, uint256 fee)
        private
    {
        if (address(bytes20(inferenceId)) != msg.sender) revert SettlementInferenceIdNotHosts(inferenceId, msg.sender);
        if (_inferences[inferenceId].status != Status.None) revert SettlementInferenceExists(inferenceId);
        _inputCountOf(circuitId); // reverts SettlementCircuitUnknown: a circuit nobody can settle is refused at once
        if (fee == 0 || fee >> 96 != 0) revert SettlementFeeOutOfRange(fee);
        if (queryCommitment >= FIELD_MODULUS) revert SettlementInputOutOfRange(3, queryCommitment);
        if (_modelFacts[modelId].owner == address(0)) _copyModelFacts(modelId);
        Shares memory s = shares();
        _inferences[inferenceId] = Inference({
            host: msg.sender,
            recordedAt: uint64(block.timestamp),
            status: Status.Pending,
            proverBps: s.proverBps,
            fee: uint96(fee),
            pool: uint96((fee * s.contributorsBps) / BPS),
            modelOwnerBps: s.modelOwnerBps,
            // Saturates instead of reverting: a timeout so long that it passes 2^48 s never refunds.
            refundableAt: uint48(_min(block.timestamp + refundTimeout(), type(uint48).max)),
            modelId: modelId,
            queryCommitment: queryCommitment,
            payoutsHash: bytes20(0),
            claimableAt: 0,
            circuitId: circuitId
        });
        emit InferenceRecorded(
            inferenceId, modelId, msg.sender, circuitId, queryCommitment, fee, (fee * s.contributorsBps) / BPS
        );
        _token.safeTransferFrom(msg.sender, address(this), fee);
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _copyModelFacts(uint256 modelId) private {
        if (modelId == 0 || modelId > _models.modelCount()) revert SettlementModelUnknown(modelId);
        ModelRegistry.Model memory m = _models.model(modelId);
        uint256 datanetRoot = _datanets.root(m.datanetId, m.datanetVersion);
        if (datanetRoot == 0) revert SettlementModelUnknown(modelId);
        _modelFacts[modelId] = ModelFacts({owner: m.owner, datanetRoot: datanetRoot, indexRoot: m.indexRoot});
    }

    function _pending(bytes32 inferenceId) private view returns (Inference storage inf) {
        inf = _inferences[inferenceId];
        if (inf.status == Status.None) revert SettlementInferenceUnknown(inferenceId);
        if (inf.status != Status.Pending) revert SettlementNotPending(inferenceId, inf.status);
    }

    function _checkInputs(
        bytes32 inferenceId,
        address prover,
        Inference storage inf,
        bytes32 circuitId,
        uint256[] calldata inputs
    ) private view {
        uint256 expectedCount = _inputCountOf(circuitId);
        if (inputs.length != expectedCount) revert SettlementInputCount(expectedCount, inputs.length);
        for (uint256 i = 0; i < inputs.length; i++) {
            if (inputs[i] >= FIELD_MODULUS) revert SettlementInputOutOfRange(i, inputs[i]);
        }
        ModelFacts storage facts = _modelFacts[inf.modelId];
        _expect(0, settlementIdOf(inferenceId, prover), inputs[0]);
        _expect(1, facts.datanetRoot, inputs[1]);
        _expect(2, facts.indexRoot, inputs[2]);
        _expect(3, inf.queryCommitment, inputs[3]);
        _expect(4, inf.pool, inputs[4]);
    }

    function _checkChallengeInputs(bytes32 inferenceId, Inference storage inf, SettlementTerms calldata terms, uint256[] calldata inputs)
        private
        view
    {
        if (inputs.length != CHALLENGE_INPUTS) revert SettlementInputCount(CHALLENGE_INPUTS, inputs.length);
        for (uint256 i = 0; i < CHALLENGE_INPUTS; i++) {
            if (inputs[i] >= FIELD_MODULUS) revert SettlementInputOutOfRange(i, inputs[i]);
        }
        ModelFacts storage facts = _modelFacts[inf.modelId];
        _expect(0, challengeIdOf(inferenceId, msg.sender), inputs[0]);
        _expect(1, facts.datanetRoot, inputs[1]);
        _expect(2, facts.indexRoot, inputs[2]);
        _expect(3, inf.queryCommitment, inputs[3]);
        _expect(4, terms.threshold, inputs[4]);
        _expect(5, terms.paidLeavesHash, inputs[5]);
    }

    /// @dev The challenger's share of a cancelled settlement's bond, the rest to the treasury.
    function _slashBond(bytes32 inferenceId, address prover, uint256 bond) private {
        uint256 toChallenger = (bond * challengeGame().challengerBps) / BPS;
        emit SettlementChallenged(inferenceId, msg.sender, prover, toChallenger, bond - toChallenger);
        _credit(msg.sender, inferenceId, toChallenger);
        _credit(treasury(), inferenceId, bond - toChallenger);
    }

    function _expect(uint256 index, uint256 expected, uint256 got) private pure {
        if (expected != got) revert SettlementInputMismatch(index, expected, got);
    }

    /// @dev Effects: the bond leaves the sender's balance, then status, one hash and the claimable
    ///      time (one slot). No balance is credited and no token moves here.
    function _split(bytes32 inferenceId, Inference storage inf, bytes32 circuitId, address prover, uint256[] calldata inputs)
        private
    {
        uint256[] calldata slots = inputs[FIXED_INPUTS:];
        uint256 paid = _paid(slots);
        if (paid > inf.pool) revert SettlementPayoutsExceedPool(inf.pool, paid);
        _bond(inferenceId, inf, prover, inputs);
        (uint256 proverFee, uint256 ownerFee, uint256 treasuryFee) = _fees(inf, paid);
        inf.status = Status.Settled;
        emit AttributionSettled(inferenceId, prover, circuitId, paid, proverFee, ownerFee, treasuryFee, slots);
    }

    /// @dev Lock the sender's bond and store the settlement's terms hash and claimable time (one slot).
    function _bond(bytes32 inferenceId, Inference storage inf, address prover, uint256[] calldata inputs) private {
        ChallengeGame memory game = challengeGame();
        if (game.bond != 0) {
            uint256 balance = _balances[msg.sender];
            if (balance < game.bond) revert SettlementBondUnfunded(msg.sender, balance, game.bond);
            unchecked {
                _balances[msg.sender] = balance - game.bond; // balance >= bond, checked above
            }
        }
        uint64 claimableAt = uint64(block.timestamp + game.windowSeconds);
        address treasury_ = treasury();
        inf.payoutsHash = _termsHash(prover, game.bond, inputs[5], inputs[6], treasury_, inputs[FIXED_INPUTS:]);
        inf.claimableAt = claimableAt;
        emit SettlementBonded(inferenceId, msg.sender, game.bond, inputs[5], inputs[6], claimableAt, treasury_);
    }

    /// @dev The settlement's one stored word: its terms and payout slots, hashed (160 bits).
    function _termsHash(address prover, uint256 bond, uint256 threshold, uint256 paidLeavesHash, address treasury_, uint256[] calldata slots)
        private
        pure
        returns (bytes20)
    {
        return bytes20(keccak256(abi.encodePacked(prover, bond, threshold, paidLeavesHash, treasury_, slots)));
    }

    /// @dev Sum of the payouts to nonzero addresses: a slot paying the zero address is unclaimable,
    ///      so its amount stays with the treasury.
    function _paid(uint256[] calldata slots) private pure returns (uint256 paid) {
        for (uint256 i = 0; i < slots.length; i++) {
            if (uint160(slots[i]) != 0) paid += slots[i] >> 160;
        }
    }

    function _fees(Inference storage inf, uint256 paid)
        private
        view
        returns (uint256 proverFee, uint256 ownerFee, uint256 treasuryFee)
    {
        uint256 fee = inf.fee;
        proverFee = (fee * inf.proverBps) / BPS;
        ownerFee = (fee * inf.modelOwnerBps) / BPS;
        // Shares sum to BPS, so pool + proverFee + ownerFee <= fee, and paid <= pool: no underflow.
        treasuryFee = fee - paid - proverFee - ownerFee;
    }

    function _checkSlots(bytes32 inferenceId, SettlementTerms calldata terms, uint256[] calldata slots)
        private
        view
        returns (Inference storage inf)
    {
        inf = _inferences[inferenceId];
        if (inf.status != Status.Settled) revert SettlementNotSettled(inferenceId, inf.status);
        bytes20 hash = _termsHash(terms.prover, terms.bond, terms.threshold, terms.paidLeavesHash, terms.treasury, slots);
        if (slots.length > MAX_SLOTS || hash != inf.payoutsHash) revert SettlementPayoutsMismatch(inferenceId);
    }

    /// @dev A settled inference whose challenge window has passed.
    function _claimable(bytes32 inferenceId, SettlementTerms calldata terms, uint256[] calldata slots)
        private
        view
        returns (Inference storage inf)
    {
        inf = _checkSlots(inferenceId, terms, slots);
        if (block.timestamp < inf.claimableAt) revert SettlementChallengeWindowOpen(inferenceId, inf.claimableAt);
    }

    function _credit(address account, bytes32 inferenceId, uint256 amount) private {
        if (amount == 0) return;
        _balances[account] += amount;
        emit RewardCredited(account, inferenceId, amount);
    }
}
