import { describe, expect, it } from 'vitest'
import { Interface, parseEther } from 'ethers'
import { InvalidAddressError } from '../prover/errors/index.ts'
import { GOVERNANCE_ACTIONS, buildGovernanceCall } from '../prover/governance/actions.ts'
import { governanceAbi, statesOfBitmap, type GovernanceAddresses } from '../prover/governance/contracts.ts'
import { GovernanceActionError, GovernanceSettingError } from '../prover/governance/errors.ts'
import { DEFAULT_GOVERNANCE_SETTINGS, validateSettings } from '../prover/governance/deploy.ts'

const addresses: GovernanceAddresses = {
  governor: '0x1000000000000000000000000000000000000001',
  timelock: '0x2000000000000000000000000000000000000002',
  token: '0x3000000000000000000000000000000000000003',
  settlement: '0x4000000000000000000000000000000000000004',
}
const VERIFIER = '0x00000000000000000000000000000000000000AA'

/** Decode a call against the ABI of the contract it targets. */
async function decode(contract: string, calldata: string) {
  return new Interface(await governanceAbi(contract)).parseTransaction({ data: calldata })!
}

describe('named governance actions', () => {
  it('encodes set-fee-shares percentages as basis points for the settlement', async () => {
    const call = await buildGovernanceCall({ action: 'set-fee-shares', args: ['50', '20', '19.5', '10.5'], addresses })
    expect(call).toMatchObject({ target: addresses.settlement, valueWei: 0n, summary: 'set-fee-shares 50 20 19.5 10.5' })
    const tx = await decode('AttributionSettlement', call.calldata)
    expect(tx.name).toBe('setShares')
    expect(tx.args[0].toObject()).toEqual({ contributorsBps: 5000n, proverBps: 2000n, modelOwnerBps: 1950n, treasuryBps: 1050n })
  })

  it('encodes every other action against its governed contract', async () => {
    const cases: [string, string[], string, string, string, unknown[]][] = [
      ['set-treasury', [VERIFIER.toLowerCase()], addresses.settlement!, 'AttributionSettlement', 'setTreasury', [VERIFIER]],
      ['set-refund-timeout', ['3600'], addresses.settlement!, 'AttributionSettlement', 'setRefundTimeout', [3600n]],
      ['set-verifier', [`0x${'AB'.repeat(32)}`, VERIFIER], addresses.settlement!, 'AttributionSettlement', 'setVerifier', [`0x${'ab'.repeat(32)}`, VERIFIER]],
      ['remove-verifier', [`0x${'cd'.repeat(32)}`], addresses.settlement!, 'AttributionSettlement', 'setVerifier', [`0x${'cd'.repeat(32)}`, '0x0000000000000000000000000000000000000000']],
      ['set-challenge-game', ['1800', '25', '40'], addresses.settlement!, 'AttributionSettlement', 'setChallengeGame', [[1800n, parseEther('25'), 4000n]]],
      ['set-challenge-verifier', [`0x${'EF'.repeat(32)}`, VERIFIER], addresses.settlement!, 'AttributionSettlement', 'setChallengeVerifier', [`0x${'ef'.repeat(32)}`, VERIFIER]],
      ['set-voting-delay', ['7200'], addresses.governor, 'PoaGovernor', 'setVotingDelay', [7200n]],
      ['set-voting-period', ['50400'], addresses.governor, 'PoaGovernor', 'setVotingPeriod', [50400n]],
      ['set-proposal-threshold', ['1000000'], addresses.governor, 'PoaGovernor', 'setProposalThreshold', [parseEther('1000000')]],
      ['set-quorum', ['5'], addresses.governor, 'PoaGovernor', 'updateQuorumNumerator', [5n]],
      ['set-timelock-delay', ['172800'], addresses.timelock, 'TimelockController', 'updateDelay', [172800n]],
      ['transfer-open', [VERIFIER, '12.000000000000000001'], addresses.token, 'OpenToken', 'transfer', [VERIFIER, parseEther('12') + 1n]],
    ]
    for (const [action, args, target, contract, fn, expected] of cases) {
      const call = await buildGovernanceCall({ action, args, addresses })
      expect(call.target, action).toBe(target)
      const tx = await decode(contract, call.calldata)
      expect(tx.name, action).toBe(fn)
      expect([...tx.args], action).toEqual(expected)
    }
    expect(new Set(['set-fee-shares', ...cases.map((c) => c[0])])).toEqual(new Set(GOVERNANCE_ACTIONS.map((a) => a.name)))
  })

  it('rejects each malformed argument with the action, the argument, the expectation and the value', async () => {
    const cases: [string, string[], RegExp][] = [
      ['set-fees', ['1'], /gov action set-fees action: expected one of set-fee-shares, .*got "set-fees"/],
      ['set-fee-shares', ['50', '20', '20'], /arguments: expected 4: <contributors%> <prover%> <modelOwner%> <treasury%>, got "50 20 20"/],
      ['set-fee-shares', ['50', '20', '20', '20'], /shares: expected percentages summing to 100, got "50 20 20 20"/],
      ['set-fee-shares', ['50', '20', '20', '-10'], /treasury%: expected a percentage with at most 2 decimals, got "-10"/],
      ['set-fee-shares', ['50.001', '20', '20', '9.999'], /contributors%: expected a percentage with at most 2 decimals, got "50.001"/],
      ['set-fee-shares', ['150', '0', '0', '0'], /contributors%: expected a percentage in \[0, 100\], got "150"/],
      ['set-refund-timeout', ['1.5'], /seconds: expected an integer in \[0, 18446744073709551615\], got "1.5"/],
      ['set-refund-timeout', ['18446744073709551616'], /seconds: expected an integer in \[0, 18446744073709551615\]/],
      ['set-verifier', ['bad-name!', VERIFIER], /circuitId: expected a 32-byte hex circuit id over the verification key .*got "bad-name!"/],
      // A circuit's name no longer identifies it: each setup of a circuit has its own id.
      ['set-verifier', ['attribution_d8_k8_K3', VERIFIER], /circuitId: expected a 32-byte hex circuit id .*a circuit name does not identify a setup, got "attribution_d8_k8_K3"/],
      ['remove-verifier', [`0x${'ab'.repeat(31)}`], /circuitId: expected a 32-byte hex circuit id/],
      ['set-voting-period', ['0'], /blocks: expected an integer in \[1, 4294967295\], got "0"/],
      ['set-quorum', ['101'], /percent: expected an integer in \[0, 100\], got "101"/],
      ['set-proposal-threshold', ['1e3'], /OPEN: expected an OPEN amount \(decimal, up to 18 decimals\), got "1e3"/],
    ]
    for (const [action, args, message] of cases) {
      const error = await buildGovernanceCall({ action, args, addresses }).catch((e: unknown) => e)
      expect(error, `${action} ${args.join(' ')}`).toBeInstanceOf(GovernanceActionError)
      expect((error as Error).message).toMatch(message)
      expect((error as GovernanceActionError).kind).toBe('BAD_INPUT')
    }
    for (const bad of ['0x12', '0x00000000000000000000000000000000000000Aa', 'treasury']) {
      const error = await buildGovernanceCall({ action: 'set-treasury', args: [bad], addresses }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidAddressError)
      expect((error as Error).message).toContain(`gov action set-treasury address: "${bad}"`)
    }
  })

  it('refuses an action whose target contract is not deployed', async () => {
    const error = await buildGovernanceCall({ action: 'set-treasury', args: [VERIFIER], addresses: { ...addresses, settlement: undefined } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GovernanceActionError)
    expect((error as Error).message).toBe('gov action set-treasury target: expected a deployed AttributionSettlement, got "none in the deployment"')
  })

  it('decodes the Governor\'s expected-states bitmap into state names', () => {
    expect(statesOfBitmap(1n << 1n)).toEqual(['Active'])
    expect(statesOfBitmap((1n << 4n) | (1n << 5n))).toEqual(['Succeeded', 'Queued'])
    expect(statesOfBitmap(0n)).toEqual([])
  })
})

describe('governance settings', () => {
  it('accepts the defaults and the bounds of each setting', () => {
    expect(validateSettings({ ...DEFAULT_GOVERNANCE_SETTINGS })).toEqual(DEFAULT_GOVERNANCE_SETTINGS)
    expect(() => validateSettings({ votingDelayBlocks: 2 ** 48 - 1, votingPeriodBlocks: 2 ** 32 - 1, proposalThresholdWei: (1n << 208n) - 1n, quorumPercent: 100, timelockMinDelaySeconds: 0 })).not.toThrow()
    expect(() => validateSettings({ votingDelayBlocks: 0, votingPeriodBlocks: 1, proposalThresholdWei: 0n, quorumPercent: 0, timelockMinDelaySeconds: 0 })).not.toThrow()
  })

  it('rejects each setting outside what the contracts take, naming it', () => {
    const cases: [Partial<typeof DEFAULT_GOVERNANCE_SETTINGS>, RegExp][] = [
      [{ votingPeriodBlocks: 0 }, /votingPeriodBlocks: expected an integer in \[1, 4294967295\], got 0/],
      [{ votingPeriodBlocks: 2 ** 32 }, /votingPeriodBlocks: expected an integer in \[1, 4294967295\], got 4294967296/],
      [{ votingDelayBlocks: 2 ** 48 }, /votingDelayBlocks: expected an integer in \[0, 281474976710655\]/],
      [{ votingDelayBlocks: 1.5 }, /votingDelayBlocks: expected an integer .*got 1.5/],
      [{ quorumPercent: 101 }, /quorumPercent: expected an integer in \[0, 100\], got 101/],
      [{ timelockMinDelaySeconds: -1 }, /timelockMinDelaySeconds: expected an integer in \[0, 9007199254740991\], got -1/],
      [{ proposalThresholdWei: -1n }, /proposalThresholdWei: expected a bigint in \[0, 2\^208\), got -1/],
      [{ proposalThresholdWei: 1n << 208n }, /proposalThresholdWei: expected a bigint in \[0, 2\^208\)/],
    ]
    for (const [override, message] of cases) {
      const error = (() => {
        try {
          validateSettings({ ...DEFAULT_GOVERNANCE_SETTINGS, ...override })
        } catch (e) {
          return e
        }
      })()
      expect(error, JSON.stringify(override, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBeInstanceOf(GovernanceSettingError)
      expect((error as Error).message).toMatch(message)
    }
  })
})
