// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title PoaGovernor
/// @notice $OPEN holders govern the network's parameters: the settlement's fee shares, treasury,
///         refund timeout, challenge game and accepted verifiers per circuit, and this governor's
///         own settings. A passed proposal is queued in the TimelockController, which
///         owns every governed contract, and runs after the timelock's minimum delay.
/// @dev Plain OpenZeppelin composition, no domain code: voting weight is OpenToken's ERC20Votes
///      checkpoints (clock = block number, so voting delay and period are in blocks); counting is
///      for / against / abstain, and quorum counts for + abstain against a fraction (percent) of the
///      total supply at the proposal's snapshot. Settings are changed only through governance
///      (`onlyGovernance`: the call must come from the timelock, as part of an executed proposal).
contract PoaGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @notice Deploy the governor over a votes token and a timelock.
    /// @param token The votes token (OpenToken).
    /// @param timelock The timelock that queues and executes passed proposals; it must grant this
    ///        contract its proposer and canceller roles (prover/governance/deploy.ts does).
    /// @param votingDelayBlocks Blocks between a proposal and the start of its vote (the snapshot).
    /// @param votingPeriodBlocks Blocks the vote stays open; at least 1.
    /// @param proposalThresholdWei Votes (OPEN wei) a proposer needs at the block before proposing.
    /// @param quorumPercent Percent (0..100) of the supply at the snapshot that must vote for or abstain.
    constructor(
        IVotes token,
        TimelockController timelock,
        uint48 votingDelayBlocks,
        uint32 votingPeriodBlocks,
        uint256 proposalThresholdWei,
        uint256 quorumPercent
    )
        Governor("PoaGovernor")
        GovernorSettings(votingDelayBlocks, votingPeriodBlocks, proposalThresholdWei)
        GovernorVotes(token)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock)
    {}

    // The overrides below only resolve Solidity's multiple-inheritance ambiguity; each defers to the
    // extension that owns the behaviour (settings, timelock), as OpenZeppelin's wizard composes them.

    /// @inheritdoc Governor
    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    /// @inheritdoc Governor
    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    /// @inheritdoc Governor
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc Governor
    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    /// @inheritdoc Governor
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc Governor
    function proposalNeedsQueuing(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
