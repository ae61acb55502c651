// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAttributionVerifier} from "./IAttributionVerifier.sol";

/// @title SettlementConfig
/// @notice The governable parameters of AttributionSettlement: the fee split, the treasury, the
///         refund timeout and the verifier of each approved circuit. Owner-only setters; the owner is
///         an EOA at deployment and governance's TimelockController after `transferOwnership`.
abstract contract SettlementConfig is Ownable {
    /// @dev Shares are in basis points of the fee.
    uint16 internal constant BPS = 10_000;
    /// @dev Public inputs before the payout slots, and the most slots a claim bitmap word can track.
    uint256 private constant FIXED_INPUTS_ = 7;
    uint256 private constant MAX_SLOTS_ = 255;

    /// @notice How a fee is split, in basis points; the four shares sum to 10,000.
    struct Shares {
        uint16 contributorsBps;
        uint16 proverBps;
        uint16 modelOwnerBps;
        uint16 treasuryBps;
    }

    /// @dev Verifier address and its public-input count in one slot, read once per settlement.
    struct VerifierEntry {
        address verifier;
        uint32 inputCount;
    }

    Shares private _shares;
    address private _treasury;
    uint64 private _refundTimeout;
    mapping(bytes32 circuitId => VerifierEntry) private _verifiers;

    /// @notice The fee split changed (applies to inferences recorded from now on).
    /// @param shares The new split.
    event SharesUpdated(Shares shares);
    /// @notice A circuit's verifier was set (address(0) removes the circuit).
    /// @param circuitId The circuit id over its verification key (the verifier's own `circuitId()`).
    /// @param verifier The verifier contract.
    /// @param inputCount Its number of public inputs.
    event VerifierUpdated(bytes32 indexed circuitId, address indexed verifier, uint256 inputCount);
    /// @notice The treasury changed.
    /// @param treasury The new treasury.
    event TreasuryUpdated(address indexed treasury);
    /// @notice The refund timeout changed.
    /// @param timeoutSeconds The new timeout in seconds.
    event RefundTimeoutUpdated(uint256 timeoutSeconds);

    /// @notice The shares do not sum to 10,000 basis points.
    /// @param sum Their sum.
    error SettlementSharesInvalid(uint256 sum);
    /// @notice The treasury cannot be the zero address.
    error SettlementTreasuryZero();
    /// @notice The verifier reports a public-input count the settlement cannot use (needs 6..260).
    /// @param verifier The verifier.
    /// @param inputCount Its count.
    error SettlementVerifierInvalid(address verifier, uint256 inputCount);
    /// @notice The verifier checks another circuit than the id it is being approved for.
    /// @param verifier The verifier.
    /// @param circuitId The id given to setVerifier.
    /// @param verifierCircuitId The id the verifier reports (over its verification key).
    error SettlementVerifierCircuitMismatch(address verifier, bytes32 circuitId, bytes32 verifierCircuitId);

    constructor(address initialOwner, address treasury_, Shares memory shares_, uint64 refundTimeout_)
        Ownable(initialOwner)
    {
        _setShares(shares_);
        _setTreasury(treasury_);
        _refundTimeout = refundTimeout_;
        emit RefundTimeoutUpdated(refundTimeout_);
    }

    /// @notice Set the fee split for inferences recorded from now on. Owner only.
    /// @param shares_ The split; must sum to 10,000.
    function setShares(Shares calldata shares_) external onlyOwner {
        _setShares(shares_);
    }

    /// @notice Set the treasury. Owner only.
    /// @param treasury_ The new treasury, nonzero.
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    /// @notice Set the refund timeout of inferences recorded from now on (each inference keeps the
    ///         time it was recorded with). Owner only.
    /// @param timeoutSeconds Seconds after recording before an unsettled inference can be refunded.
    function setRefundTimeout(uint64 timeoutSeconds) external onlyOwner {
        _refundTimeout = timeoutSeconds;
        emit RefundTimeoutUpdated(timeoutSeconds);
    }

    /// @notice Approve a circuit's verifier, or remove the circuit with address(0). Owner only.
    /// @dev Every approved circuit must prove the attribution statement of docs/architecture.md; one
    ///      whose k or depth differs from a model's cannot open that model's committed roots. The id
    ///      is over the verification key, so a new setup is a new id beside the old one: inferences
    ///      recorded under the old id still settle with proofs of the old key until it is removed.
    /// @param circuitId The circuit id over the verification key (`poa ceremony export`'s circuit_id.json);
    ///        must equal the verifier's own `circuitId()`.
    /// @param verifier The generated verifier.
    function setVerifier(bytes32 circuitId, IAttributionVerifier verifier) external onlyOwner {
        uint256 count = 0;
        if (address(verifier) != address(0)) {
            count = verifier.publicInputCount();
            if (count <= FIXED_INPUTS_ || count > FIXED_INPUTS_ + MAX_SLOTS_) {
                revert SettlementVerifierInvalid(address(verifier), count);
            }
            bytes32 reported = verifier.circuitId();
            if (reported != circuitId) revert SettlementVerifierCircuitMismatch(address(verifier), circuitId, reported);
        }
        _verifiers[circuitId] = VerifierEntry({verifier: address(verifier), inputCount: uint32(count)});
        emit VerifierUpdated(circuitId, address(verifier), count);
    }

    /// @notice The current fee split. @return The shares.
    function shares() public view returns (Shares memory) {
        return _shares;
    }

    /// @notice The treasury. @return The address.
    function treasury() public view returns (address) {
        return _treasury;
    }

    /// @notice The refund timeout in seconds. @return The timeout.
    function refundTimeout() public view returns (uint256) {
        return _refundTimeout;
    }

    /// @notice A circuit's verifier and public-input count (zero when not approved).
    /// @param circuitId The circuit.
    /// @return verifier The verifier.
    /// @return inputCount Its input count.
    function verifierOf(bytes32 circuitId) external view returns (address verifier, uint256 inputCount) {
        VerifierEntry memory e = _verifiers[circuitId];
        return (e.verifier, e.inputCount);
    }

    function _verifierOf(bytes32 circuitId) internal view returns (address) {
        return _verifiers[circuitId].verifier;
    }

    /// @dev Reverts for an unknown circuit, so callers may trust a nonzero count.
    function _inputCountOf(bytes32 circuitId) internal view returns (uint256 count) {
        count = _verifiers[circuitId].inputCount;
        if (count == 0) revert SettlementCircuitUnknown(circuitId);
    }

    /// @notice No verifier is registered for the circuit.
    /// @param circuitId The circuit.
    error SettlementCircuitUnknown(bytes32 circuitId);

    function _setShares(Shares memory s) private {
        uint256 sum = uint256(s.contributorsBps) + s.proverBps + s.modelOwnerBps + s.treasuryBps;
        if (sum != BPS) revert SettlementSharesInvalid(sum);
        _shares = s;
        emit SharesUpdated(s);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert SettlementTreasuryZero();
        _treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }
}
