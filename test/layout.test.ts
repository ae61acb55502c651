import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildLayout, defaultBuildDir, homeLayout, PACKAGE_ROOT, packagePath } from '../prover/layout/index.ts'

describe('prover/layout: every path under the package, home and build folders', () => {
  it('finds the package root, where package.json, circuits/ and contracts/ are', () => {
    expect(existsSync(join(PACKAGE_ROOT, 'package.json'))).toBe(true)
    expect(existsSync(packagePath('circuits', 'attribution.circom'))).toBe(true)
    expect(existsSync(packagePath('hardhat.config.cjs'))).toBe(true)
  })

  it('puts the home paths where the stores, chain, models, queries and demo runs have always been', () => {
    const home = homeLayout('/h')
    expect(home.datanetDb).toBe('/h/poa.sqlite')
    expect(home.nodeQueueDb).toBe('/h/node.sqlite')
    expect(home.nodeConfig).toBe('/h/node.json')
    expect(home.chainJournal).toBe('/h/chain/journal.jsonl')
    expect(home.deploymentFile({ embedded: true, chainId: 31337n })).toBe('/h/chain/deployment.json')
    expect(home.deploymentFile({ embedded: false, chainId: 10n })).toBe('/h/chain/deployment-10.json')
    expect(home.modelDir('spam')).toBe('/h/models/spam')
    expect(home.indexDir(home.modelDir('spam'), 'a/b', 3)).toBe('/h/models/spam/index/a%2Fb/v3')
    expect(home.queryFile(`0x${'a'.repeat(64)}`)).toBe(`/h/queries/0x${'a'.repeat(64)}.txt`)
    expect(home.ceremonyDir).toBe('/h/ceremony')
    expect(home.demoDir).toBe('/h/demo')
  })

  it('puts the build paths under the given folder, else <package>/build, whatever POA_BUILD_DIR says', () => {
    const build = buildLayout('/b')
    expect(build.r1csPath('c')).toBe('/b/circuits/c/c.r1cs')
    expect(build.devZkeyPath('c')).toBe('/b/circuits/c/c.dev.zkey')
    expect(build.devVkeyPath('c')).toBe('/b/circuits/c/c.dev.vkey.json')
    expect(build.devPtauPath(14)).toBe('/b/ptau/dev_pot14_final.ptau')
    expect(build.devCeremonyDir(14)).toBe('/b/ptau/dev_pot14')
    expect(build.nativeDir).toBe('/b/native')
    const before = process.env.POA_BUILD_DIR
    process.env.POA_BUILD_DIR = '/elsewhere'
    try {
      // Only the CLI edge reads the environment; the library's default is the package's build/.
      expect(defaultBuildDir()).toBe(join(PACKAGE_ROOT, 'build'))
      expect(buildLayout().root).toBe(join(PACKAGE_ROOT, 'build'))
    } finally {
      if (before === undefined) delete process.env.POA_BUILD_DIR
      else process.env.POA_BUILD_DIR = before
    }
  })
})
