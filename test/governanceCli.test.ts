// `poa gov` end to end on the embedded chain, through spawned CLI processes (each one replays the
// journal of <home>/chain, so this also checks that governance state survives restarts).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runPoa } from './runPoa.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { connectChain } from '../prover/chain/connectChain.ts'
import { deploySettlement } from '../prover/clients/settlementDeploy.ts'

const home = mkdtempSync(join(tmpdir(), 'poa-gov-cli-'))

const poa = (...args: string[]) => runPoa(home, ...args)

/** Read the settlement's shares in a fresh connection (the CLI processes have all exited). */
async function settlementShares(): Promise<number[]> {
  const chain = await connectChain({ home })
  try {
    return ((await (await chain.contract('AttributionSettlement')).shares()) as bigint[]).map(Number)
  } finally {
    await chain.close()
  }
}

beforeAll(async () => {
  // No `poa` command deploys the settlement yet: deploy it with the library, as the deployer.
  const chain = await connectChain({ home })
  try {
    const c = chain.deployment.contracts
    const { settlement } = await deploySettlement({ signer: chain.signer, token: c.OpenToken, datanetRegistry: c.DatanetRegistry, modelRegistry: c.ModelRegistry, treasury: chain.signerAddress })
    await chain.recordDeployment({ AttributionSettlement: settlement })
  } finally {
    await chain.close()
  }
}, 300_000)

describe('poa gov (spawned CLI, embedded chain)', () => {
  it('deploys governance, then delegate, propose, vote, queue and execute change the fee shares', async () => {
    const deployed = poa('--json', 'gov', 'deploy', '--voting-delay', '1', '--voting-period', '5', '--threshold', '1000', '--quorum', '4', '--timelock-delay', '600')
    expect(deployed.status, deployed.stderr).toBe(0)
    expect(deployed.json.result.handedOver.map((h: any) => h.contract)).toEqual(['AttributionSettlement'])
    expect(deployed.json.result.settings).toMatchObject({ votingDelayBlocks: 1, votingPeriodBlocks: 5, proposalThresholdWei: '1000000000000000000000', timelockMinDelaySeconds: 600 })
    expect(poa('gov', 'deploy').json).toBeUndefined()
    expect(poa('gov', 'deploy').status).toBe(3)

    const undelegated = poa('--json', 'gov', 'propose', 'set-fee-shares', '50', '20', '20', '10')
    expect(undelegated.status).toBe(5)
    expect(undelegated.json.error.code).toBe('GOVERNANCE_BELOW_THRESHOLD')
    expect(poa('gov', 'delegate').stdout).toMatch(/delegated to 0x[0-9a-fA-F]{40}, who now has 1000000000.0 votes/)

    const proposed = poa('--json', 'gov', 'propose', 'set-fee-shares', '50', '20', '20', '10')
    expect(proposed.status, proposed.stderr).toBe(0)
    const id: string = proposed.json.result.proposalId
    expect(proposed.json.result.description).toBe('set-fee-shares 50 20 20 10')
    expect(poa('--json', 'gov', 'status', id).json.result.state).toBe('Pending')

    const early = poa('--json', 'gov', 'vote', id, 'for')
    expect(early.status).toBe(5)
    expect(early.json.error).toMatchObject({ code: 'GOVERNANCE_PROPOSAL_STATE', meta: { got: 'Pending', expected: ['Active'] } })
    expect(poa('--json', 'gov', 'advance', id).json.result).toMatchObject({ from: 'Pending', to: 'Active' })
    expect(poa('gov', 'vote', id, 'for', '--reason', 'cheaper proofs').stdout).toMatch(/voted for with 1000000000.0 OPEN/)
    const active = poa('gov', 'status', id)
    expect(active.stdout).toMatch(/Active/)
    expect(active.stdout).toMatch(/quorum: 40000000.0 OPEN \(for \+ abstain\) reached/)
    expect(poa('--json', 'gov', 'advance', id).json.result).toMatchObject({ from: 'Active', to: 'Succeeded' })

    const queued = poa('--json', 'gov', 'queue', id)
    expect(queued.status, queued.stderr).toBe(0)
    const tooEarly = poa('--json', 'gov', 'execute', id)
    expect(tooEarly.status).toBe(5)
    expect(tooEarly.json.error.code).toBe('GOVERNANCE_TOO_EARLY')
    expect(tooEarly.json.error.meta.etaSeconds).toBe(queued.json.result.etaSeconds)
    expect(poa('gov', 'advance', id).stdout).toMatch(/ETA reached/)
    expect(poa('gov', 'execute', id).status).toBe(0)
    const done = poa('--json', 'gov', 'status', id).json.result
    expect(done).toMatchObject({ state: 'Executed', forVotesWei: '1000000000000000000000000000', etaSeconds: queued.json.result.etaSeconds })
    expect(await settlementShares()).toEqual([5000, 2000, 2000, 1000])
  })

  it('maps a bad action or id to exit status 3 and a support that does not parse to 2, with the input named', () => {
    // Every action's argument checks are tested in test/governanceActions.test.ts; here, the CLI edge.
    const cases: [string[], RegExp][] = [
      [['propose', 'set-fees', '1'], /gov action set-fees action: expected one of set-fee-shares, /],
      [['status', '12345'], /proposal 12345 does not exist on governor/],
    ]
    for (const [args, message] of cases) {
      const run = poa('--json', 'gov', ...args)
      expect(run.status, args.join(' ')).toBe(3)
      expect(run.json.error.message, args.join(' ')).toMatch(message)
    }
    // An argument that does not parse is a usage error, as a bad flag is in every group.
    const maybe = poa('--json', 'gov', 'vote', '12', 'maybe')
    expect(maybe.status).toBe(2)
    expect(maybe.json.error.message).toMatch(/<support>: expected for, against, abstain, got "maybe"/)
    expect(poa('gov', 'vote', '1', 'for', '--account', '25').status).toBe(2)
  })
})
