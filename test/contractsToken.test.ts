// OpenToken ($OPEN) on Hardhat's in-process network: fixed supply, EIP-2612 permit, ERC20Votes.
import { beforeAll, describe, expect, it } from 'vitest'
import { Interface, Signature, type Contract, type Signer } from 'ethers'
import { getHardhatRuntime, type HardhatRuntime } from '../prover/chain/hardhatRuntime.ts'
import { ChainRevertError, toChainError, type NamedInterface } from '../prover/chain/chainErrors.ts'

let hre: HardhatRuntime
let treasury: Signer, alice: Signer, bob: Signer
let interfaces: NamedInterface[]
const ONE_BILLION_OPEN = 1_000_000_000n * 10n ** 18n

async function deployToken(): Promise<Contract> {
  return (await hre.ethers.deployContract('OpenToken', [await treasury.getAddress()])) as unknown as Contract
}

async function revertOf(action: string, send: () => Promise<unknown>): Promise<ChainRevertError> {
  try {
    await send()
  } catch (error) {
    const decoded = toChainError(error, action, interfaces)
    if (decoded instanceof ChainRevertError) return decoded
    throw decoded
  }
  throw new Error(`${action} did not revert`)
}

/** An EIP-2612 signature by `signer` of a permit naming `owner` (default: the signer itself). */
async function permitSignature(token: Contract, signer: Signer, spender: string, value: bigint, deadline: bigint, owner?: string) {
  const { chainId } = await hre.ethers.provider.getNetwork()
  const domain = { name: 'Open', version: '1', chainId, verifyingContract: await token.getAddress() }
  const types = { Permit: [
    { name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' },
  ] }
  const ownerAddress = owner ?? (await signer.getAddress())
  const nonce = (await token.getFunction('nonces')(ownerAddress)) as bigint
  return Signature.from(await signer.signTypedData(domain, types, { owner: ownerAddress, spender, value, nonce, deadline }))
}

beforeAll(async () => {
  hre = await getHardhatRuntime()
  // hardhat-ethers types its signers against ethers' CommonJS declarations; they are the same objects.
  ;[treasury, alice, bob] = (await hre.ethers.getSigners()) as unknown as Signer[]
  interfaces = [{ name: 'OpenToken', iface: new Interface(hre.artifacts.readArtifactSync('OpenToken').abi) }]
})

describe('OpenToken', () => {
  it('mints exactly 1,000,000,000 OPEN (18 decimals) to the treasury', async () => {
    const token = await deployToken()
    expect(await token.getFunction('name')()).toBe('Open')
    expect(await token.getFunction('symbol')()).toBe('OPEN')
    expect(await token.getFunction('decimals')()).toBe(18n)
    expect(await token.getFunction('totalSupply')()).toBe(ONE_BILLION_OPEN)
    expect(await token.getFunction('balanceOf')(await treasury.getAddress())).toBe(ONE_BILLION_OPEN)
    expect(await token.getFunction('balanceOf')(await alice.getAddress())).toBe(0n)
  })

  it('refuses a zero treasury', async () => {
    const factory = await hre.ethers.getContractFactory('OpenToken')
    const error = await revertOf('deploy', () => factory.deploy('0x0000000000000000000000000000000000000000'))
    expect(error.errorName).toBe('OpenTokenZeroTreasury')
  })

  it('accepts a permit signed by the owner, then rejects its replay', async () => {
    const token = await deployToken()
    const owner = await treasury.getAddress()
    const spender = await bob.getAddress()
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 86_400 * 365 * 10)
    const sig = await permitSignature(token, treasury, spender, 500n, deadline)
    // Bob submits the permit: the owner pays no gas.
    await (await token.connect(bob).getFunction('permit')(owner, spender, 500n, deadline, sig.v, sig.r, sig.s)).wait()
    expect(await token.getFunction('allowance')(owner, spender)).toBe(500n)
    expect(await token.getFunction('nonces')(owner)).toBe(1n)
    await (await token.connect(bob).getFunction('transferFrom')(owner, spender, 200n)).wait()
    expect(await token.getFunction('balanceOf')(spender)).toBe(200n)
    const replay = await revertOf('permit', () => token.connect(bob).getFunction('permit')(owner, spender, 500n, deadline, sig.v, sig.r, sig.s))
    expect(replay.errorName).toBe('ERC2612InvalidSigner')
  })

  it('rejects a permit signed by someone other than the owner, and an expired one', async () => {
    const token = await deployToken()
    const owner = await treasury.getAddress()
    const spender = await bob.getAddress()
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 86_400 * 365 * 10)
    const forged = await permitSignature(token, alice, spender, 500n, deadline, owner)
    const wrongSigner = await revertOf('permit', () => token.getFunction('permit')(owner, spender, 500n, deadline, forged.v, forged.r, forged.s))
    expect(wrongSigner.errorName).toBe('ERC2612InvalidSigner')
    expect(wrongSigner.args).toEqual({ signer: await alice.getAddress(), owner })
    const expired = await permitSignature(token, treasury, spender, 500n, 1n)
    const late = await revertOf('permit', () => token.getFunction('permit')(owner, spender, 500n, 1n, expired.v, expired.r, expired.s))
    expect(late.errorName).toBe('ERC2612ExpiredSignature')
  })

  it('counts votes only after delegation, tracks transfers and keeps past checkpoints by block', async () => {
    const token = await deployToken()
    const aliceAddress = await alice.getAddress()
    await (await token.getFunction('transfer')(aliceAddress, 1_000n)).wait()
    // Balances do not vote until delegated.
    expect(await token.getFunction('getVotes')(aliceAddress)).toBe(0n)
    expect(await token.getFunction('CLOCK_MODE')()).toBe('mode=blocknumber&from=default')
    const delegated = await (await token.connect(alice).getFunction('delegate')(aliceAddress)).wait()
    expect(await token.getFunction('getVotes')(aliceAddress)).toBe(1_000n)
    expect(await token.getFunction('delegates')(aliceAddress)).toBe(aliceAddress)
    await (await token.connect(alice).getFunction('transfer')(await bob.getAddress(), 400n)).wait()
    expect(await token.getFunction('getVotes')(aliceAddress)).toBe(600n)
    // The block of the delegation is in the past now: its checkpoint stays 1,000.
    expect(await token.getFunction('getPastVotes')(aliceAddress, delegated.blockNumber)).toBe(1_000n)
    expect(await token.getFunction('getPastTotalSupply')(delegated.blockNumber)).toBe(ONE_BILLION_OPEN)
  })
})
