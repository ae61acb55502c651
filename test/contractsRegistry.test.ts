// DatanetRegistry and ModelRegistry on Hardhat's in-process network (real EVM, real solc output).
import { beforeAll, describe, expect, it } from 'vitest'
import { Interface, type Contract, type Signer } from 'ethers'
import { getHardhatRuntime, type HardhatRuntime } from '../prover/chain/hardhatRuntime.ts'
import { ChainRevertError, toChainError, type NamedInterface } from '../prover/chain/chainErrors.ts'
import { FIELD_MODULUS } from '../prover/field/index.ts'

let hre: HardhatRuntime
let owner: Signer, curator: Signer, stranger: Signer
let interfaces: NamedInterface[]

async function deploy(): Promise<{ datanets: Contract; models: Contract }> {
  const datanets = (await hre.ethers.deployContract('DatanetRegistry')) as unknown as Contract
  const models = (await hre.ethers.deployContract('ModelRegistry', [await datanets.getAddress()])) as unknown as Contract
  return { datanets, models }
}

/** Await a transaction and return the decoded custom error it reverted with. */
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

async function createDatanet(datanets: Contract, from: Signer = owner): Promise<bigint> {
  const tx = await datanets.connect(from).getFunction('createDatanet')('ipfs://spam')
  const receipt = await tx.wait()
  const log = receipt.logs.map((l: never) => datanets.interface.parseLog(l)).find((p: { name: string } | null) => p?.name === 'DatanetCreated')
  return log.args.datanetId as bigint
}

beforeAll(async () => {
  hre = await getHardhatRuntime()
  // hardhat-ethers types its signers against ethers' CommonJS declarations; they are the same objects.
  ;[owner, curator, stranger] = (await hre.ethers.getSigners()) as unknown as Signer[]
  interfaces = ['DatanetRegistry', 'ModelRegistry'].map((name) => ({ name, iface: new Interface(hre.artifacts.readArtifactSync(name).abi) }))
})

describe('DatanetRegistry', () => {
  it('creates datanets with increasing ids owned by the caller and emits DatanetCreated', async () => {
    const { datanets } = await deploy()
    const first = await createDatanet(datanets)
    const second = await createDatanet(datanets, stranger)
    expect([first, second]).toEqual([1n, 2n])
    expect(await datanets.getFunction('ownerOf')(1n)).toBe(await owner.getAddress())
    expect(await datanets.getFunction('ownerOf')(2n)).toBe(await stranger.getAddress())
    expect(await datanets.getFunction('latestVersion')(1n)).toBe(0n)
  })

  it('commits versions 1, 2 in order and records root, count and URI', async () => {
    const { datanets } = await deploy()
    const id = await createDatanet(datanets)
    await expect(datanets.getFunction('commitRoot')(id, 1n, 111n, 10n, 'ipfs://v1')).resolves.toBeTruthy()
    const tx = await datanets.getFunction('commitRoot')(id, 2n, 222n, 12n, 'ipfs://v2')
    const receipt = await tx.wait()
    const event = datanets.interface.parseLog(receipt.logs[0])!
    expect(event.name).toBe('RootCommitted')
    expect(event.args.toObject()).toMatchObject({ datanetId: id, version: 2n, root: 222n, recordCount: 12n, contentURI: 'ipfs://v2', committer: await owner.getAddress() })
    expect(await datanets.getFunction('latestVersion')(id)).toBe(2n)
    expect(await datanets.getFunction('root')(id, 1n)).toBe(111n)
    expect(await datanets.getFunction('root')(id, 2n)).toBe(222n)
    expect(await datanets.getFunction('root')(id, 3n)).toBe(0n)
    const entry = await datanets.getFunction('rootEntry')(id, 2n)
    expect(entry.contentURI).toBe('ipfs://v2')
    expect(entry.recordCount).toBe(12n)
  })

  it('lets a curator commit, and stops it once removed', async () => {
    const { datanets } = await deploy()
    const id = await createDatanet(datanets)
    const curatorAddress = await curator.getAddress()
    await (await datanets.getFunction('addCurator')(id, curatorAddress)).wait()
    expect(await datanets.getFunction('isCurator')(id, curatorAddress)).toBe(true)
    await (await datanets.connect(curator).getFunction('commitRoot')(id, 1n, 5n, 1n, '')).wait()
    expect(await datanets.getFunction('root')(id, 1n)).toBe(5n)
    await (await datanets.getFunction('removeCurator')(id, curatorAddress)).wait()
    expect(await datanets.getFunction('isCurator')(id, curatorAddress)).toBe(false)
    const error = await revertOf('commitRoot', () => datanets.connect(curator).getFunction('commitRoot')(id, 2n, 6n, 1n, ''))
    expect(error.errorName).toBe('DatanetUnauthorized')
    expect(error.args).toEqual({ datanetId: id, caller: curatorAddress })
  })

  it('rejects a commit by an account that is neither owner nor curator with DatanetUnauthorized', async () => {
    const { datanets } = await deploy()
    const id = await createDatanet(datanets)
    const error = await revertOf('commitRoot', () => datanets.connect(stranger).getFunction('commitRoot')(id, 1n, 5n, 1n, ''))
    expect(error.errorName).toBe('DatanetUnauthorized')
    expect(error.kind).toBe('CHAIN')
    expect(error.shortMessage).toContain('DatanetRegistry.DatanetUnauthorized(datanetId=1')
    // Curators are managed by the owner only.
    const addError = await revertOf('addCurator', () => datanets.connect(stranger).getFunction('addCurator')(id, stranger))
    expect(addError.errorName).toBe('DatanetUnauthorized')
  })

  it('requires each version to be exactly latest + 1', async () => {
    const { datanets } = await deploy()
    const id = await createDatanet(datanets)
    const skip = await revertOf('commitRoot', () => datanets.getFunction('commitRoot')(id, 2n, 5n, 1n, ''))
    expect(skip.errorName).toBe('DatanetVersionNotNext')
    expect(skip.args).toEqual({ datanetId: id, expected: 1n, got: 2n })
    await (await datanets.getFunction('commitRoot')(id, 1n, 5n, 1n, '')).wait()
    const again = await revertOf('commitRoot', () => datanets.getFunction('commitRoot')(id, 1n, 7n, 1n, ''))
    expect(again.args).toEqual({ datanetId: id, expected: 2n, got: 1n })
    expect(await datanets.getFunction('root')(id, 1n)).toBe(5n)
  })

  it('rejects a root >= r or zero, and accepts r - 1', async () => {
    const { datanets } = await deploy()
    const id = await createDatanet(datanets)
    for (const root of [FIELD_MODULUS, FIELD_MODULUS + 1n, 0n]) {
      const error = await revertOf('commitRoot', () => datanets.getFunction('commitRoot')(id, 1n, root, 1n, ''))
      expect(error.errorName).toBe('DatanetRootOutOfRange')
      expect(error.args).toEqual({ datanetId: id, root })
    }
    await (await datanets.getFunction('commitRoot')(id, 1n, FIELD_MODULUS - 1n, 1n, '')).wait()
    expect(await datanets.getFunction('root')(id, 1n)).toBe(FIELD_MODULUS - 1n)
  })

  it('rejects a record count below the previous version', async () => {
    const { datanets } = await deploy()
    const id = await createDatanet(datanets)
    await (await datanets.getFunction('commitRoot')(id, 1n, 5n, 10n, '')).wait()
    const error = await revertOf('commitRoot', () => datanets.getFunction('commitRoot')(id, 2n, 6n, 9n, ''))
    expect(error.errorName).toBe('DatanetRecordCountDecreased')
    expect(error.args).toEqual({ datanetId: id, previous: 10n, got: 9n })
  })

  it('rejects commits to an unknown datanet with DatanetUnknown', async () => {
    const { datanets } = await deploy()
    const error = await revertOf('commitRoot', () => datanets.getFunction('commitRoot')(7n, 1n, 5n, 1n, ''))
    expect(error.errorName).toBe('DatanetUnknown')
    expect(error.args).toEqual({ datanetId: 7n })
  })

  it('transfers ownership: the new owner commits, the old one cannot', async () => {
    const { datanets } = await deploy()
    const id = await createDatanet(datanets)
    const newOwner = await stranger.getAddress()
    await (await datanets.getFunction('transferOwnership')(id, newOwner)).wait()
    expect(await datanets.getFunction('ownerOf')(id)).toBe(newOwner)
    await (await datanets.connect(stranger).getFunction('commitRoot')(id, 1n, 5n, 1n, '')).wait()
    const error = await revertOf('commitRoot', () => datanets.getFunction('commitRoot')(id, 2n, 6n, 1n, ''))
    expect(error.errorName).toBe('DatanetUnauthorized')
    const zero = await revertOf('transferOwnership', () => datanets.connect(stranger).getFunction('transferOwnership')(id, '0x0000000000000000000000000000000000000000'))
    expect(zero.errorName).toBe('DatanetZeroAddress')
  })
})

describe('ModelRegistry', () => {
  const params = { modelHash: 0xabcn, indexRoot: 0xbeefn, k: 32, featureScale: 16, projectionSeed: 7n }
  const register = (models: Contract, datanetId: bigint, version: bigint, over: Partial<typeof params> = {}) => {
    const p = { ...params, ...over }
    return models.getFunction('registerModel')(p.modelHash, datanetId, version, p.indexRoot, p.k, p.featureScale, p.projectionSeed, 'ipfs://model')
  }

  it('rejects a model on a datanet version that was never committed', async () => {
    const { datanets, models } = await deploy()
    const id = await createDatanet(datanets)
    const none = await revertOf('registerModel', () => register(models, id, 1n))
    expect(none.errorName).toBe('ModelDatanetVersionUnknown')
    expect(none.args).toEqual({ datanetId: id, version: 1n })
    await (await datanets.getFunction('commitRoot')(id, 1n, 5n, 1n, '')).wait()
    const future = await revertOf('registerModel', () => register(models, id, 2n))
    expect(future.args).toEqual({ datanetId: id, version: 2n })
    const unknownDatanet = await revertOf('registerModel', () => register(models, 99n, 1n))
    expect(unknownDatanet.errorName).toBe('ModelDatanetVersionUnknown')
  })

  it('registers a model on a committed version, emits ModelRegistered and returns the struct', async () => {
    const { datanets, models } = await deploy()
    const id = await createDatanet(datanets)
    await (await datanets.getFunction('commitRoot')(id, 1n, 5n, 1n, '')).wait()
    const receipt = await (await register(models, id, 1n)).wait()
    const event = models.interface.parseLog(receipt.logs[0])!
    expect(event.name).toBe('ModelRegistered')
    expect(event.args.toObject()).toEqual({ modelId: 1n, owner: await owner.getAddress(), modelHash: 0xabcn, datanetId: id, datanetVersion: 1n, indexRoot: 0xbeefn })
    const model = await models.getFunction('model')(1n)
    expect(model.owner).toBe(await owner.getAddress())
    expect([model.k, model.featureScale, model.projectionSeed, model.metadataURI]).toEqual([32n, 16n, 7n, 'ipfs://model'])
    const unknown = await revertOf('model', () => models.getFunction('model')(2n))
    expect(unknown.errorName).toBe('ModelUnknown')
  })

  it('rejects field values >= r, zero hashes and k = 0', async () => {
    const { datanets, models } = await deploy()
    const id = await createDatanet(datanets)
    await (await datanets.getFunction('commitRoot')(id, 1n, 5n, 1n, '')).wait()
    const cases: Array<[Partial<typeof params>, string, unknown]> = [
      [{ modelHash: FIELD_MODULUS }, 'modelHash', FIELD_MODULUS],
      [{ modelHash: 0n }, 'modelHash', 0n],
      [{ indexRoot: FIELD_MODULUS }, 'indexRoot', FIELD_MODULUS],
      [{ projectionSeed: FIELD_MODULUS }, 'projectionSeed', FIELD_MODULUS],
    ]
    for (const [over, field, value] of cases) {
      const error = await revertOf('registerModel', () => register(models, id, 1n, over))
      expect(error.errorName).toBe('ModelFieldOutOfRange')
      expect(error.args).toEqual({ field, value })
    }
    const k0 = await revertOf('registerModel', () => register(models, id, 1n, { k: 0 }))
    expect(k0.errorName).toBe('ModelDimensionInvalid')
  })

  it('has no owner and no registration stake: registration is permissionless', async () => {
    // A stake nobody can slash only locks capital; a wrong index is caught by the auditor, off-chain.
    const functions = new Set<string>()
    new Interface(hre.artifacts.readArtifactSync('ModelRegistry').abi).forEachFunction((f) => functions.add(f.name))
    for (const name of ['registrationStake', 'setRegistrationStake', 'owner', 'transferOwnership', 'renounceOwnership']) expect(functions.has(name), name).toBe(false)
    const { datanets, models } = await deploy()
    const id = await createDatanet(datanets)
    await (await datanets.getFunction('commitRoot')(id, 1n, 5n, 1n, '')).wait()
    await (await register(models.connect(stranger) as Contract, id, 1n)).wait()
    expect((await models.getFunction('model')(1n)).owner).toBe(await stranger.getAddress())
  })
})
