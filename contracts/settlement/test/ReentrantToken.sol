// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Receives a callback from ReentrantToken whenever it is sent tokens.
interface ITokenReceiverHook {
    /// @notice Called after `amount` tokens reached the receiver.
    /// @param from The sender.
    /// @param amount The amount.
    function onTokenReceived(address from, uint256 amount) external;
}

/// @title ReentrantToken (TEST ONLY)
/// @notice An ERC20 with an ERC-777-style receive hook: the reentrancy vector that OPEN itself does
///         not have, but that any hooked fee token would give an attacker. Anyone may mint.
contract ReentrantToken is ERC20 {
    mapping(address account => bool) private _hooked;

    constructor() ERC20("Reentrant", "REE") {}

    /// @notice Opt the caller in to the receive hook (the settlement itself never opts in).
    function enableHook() external {
        _hooked[msg.sender] = true;
    }

    /// @notice Mint test tokens.
    /// @param to Receiver.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Calls the receiver's hook after every transfer to an opted-in account (not on mint), like ERC-777.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && _hooked[to]) ITokenReceiverHook(to).onTokenReceived(from, value);
    }
}
