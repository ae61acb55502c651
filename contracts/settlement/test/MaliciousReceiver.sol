// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITokenReceiverHook} from "./ReentrantToken.sol";

/// @title MaliciousReceiver (TEST ONLY)
/// @notice An account that, when it receives tokens, calls back into a target with prepared calldata
///         (for example `withdraw` again, or `refund` again) and records what happened, so a test can
///         assert the re-entry was rejected while the outer call completed.
contract MaliciousReceiver is ITokenReceiverHook {
    address private _target;
    bytes private _reentry;
    uint256 private _attempts;
    bool private _lastOk;
    bytes private _lastReturn;

    /// @notice Act as this contract: forward a call.
    /// @param target Callee.
    /// @param data Calldata.
    /// @return result The callee's return data.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    /// @notice Arm the hook: on the next token receipt, call `target` with `data` once.
    /// @param target Callee.
    /// @param data Calldata.
    function arm(address target, bytes calldata data) external {
        _target = target;
        _reentry = data;
    }

    /// @inheritdoc ITokenReceiverHook
    function onTokenReceived(address, uint256) external override {
        if (_target == address(0)) return;
        address target = _target;
        _target = address(0); // one attempt per arming, so the hook cannot loop
        _attempts += 1;
        (_lastOk, _lastReturn) = target.call(_reentry);
    }

    /// @notice What the last re-entry did.
    /// @return attempts How many re-entries were tried.
    /// @return ok Whether the last succeeded.
    /// @return returned Its return or revert data.
    function lastReentry() external view returns (uint256 attempts, bool ok, bytes memory returned) {
        return (_attempts, _lastOk, _lastReturn);
    }
}
