// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title OpenToken ($OPEN)
/// @notice The network's token: query fees and contributor rewards are paid in it, and it carries
///         the votes of governance (ERC20Votes, clock = block number). Gasless approvals through
///         EIP-2612 permit.
/// @dev The whole supply is minted once, at deployment, to a treasury; there is no mint function,
///      so the supply is fixed (governance can only move tokens the treasury holds).
contract OpenToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice 1,000,000,000 OPEN with 18 decimals.
    uint256 public constant INITIAL_SUPPLY = 1_000_000_000 ether;

    /// @notice The treasury address cannot be zero.
    error OpenTokenZeroTreasury();

    /// @notice Deploy the token and mint the fixed supply to `treasury`.
    /// @param treasury Receives INITIAL_SUPPLY.
    constructor(address treasury) ERC20("Open", "OPEN") ERC20Permit("Open") {
        if (treasury == address(0)) revert OpenTokenZeroTreasury();
        _mint(treasury, INITIAL_SUPPLY);
    }

    /// @dev Both ERC20 and ERC20Votes define _update; votes must move with balances.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @notice The next permit nonce of `owner` (shared by permit and vote delegation by signature).
    /// @param owner The account.
    /// @return The nonce.
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
