// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAttributionVerifier} from "../IAttributionVerifier.sol";

/// @title GasProbeVerifier (BENCH ONLY, accepts every proof)
/// @notice Lets bench/gas.bench.ts measure the settlement's own cost at a K for which no circuit
///         keys exist (K = 16 needs a 2^17 setup); the pairing cost is measured separately on real
///         generated verifiers and added. Never approve it in a real deployment.
contract GasProbeVerifier is IAttributionVerifier {
    uint256 private immutable _count;
    bytes32 private immutable _circuitId;

    /// @param count The public-input count to report (5 + K).
    /// @param id The circuit id to report.
    constructor(uint256 count, bytes32 id) {
        _count = count;
        _circuitId = id;
    }

    /// @inheritdoc IAttributionVerifier
    function verify(bytes calldata, uint256[] calldata publicInputs) external view returns (bool) {
        return publicInputs.length == _count;
    }

    /// @inheritdoc IAttributionVerifier
    function publicInputCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IAttributionVerifier
    function circuitId() external view returns (bytes32) {
        return _circuitId;
    }
}
