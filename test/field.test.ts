import { describe, expect, it } from 'vitest'
import { buildBn128 } from 'ffjavascript'
import { FIELD_MODULUS, toFr, addressToField, fieldToAddress, toChecksumAddress, hashToField, toFixed, fromFixed } from '../prover/field/index.ts'

describe('field', () => {
  it('uses the BN254 scalar field order that snarkjs curves use', async () => {
    const curve = await buildBn128(true)
    try {
      expect(FIELD_MODULUS).toBe(curve.Fr.p)
    } finally {
      await curve.terminate()
    }
  })

  it('accepts 0 and r-1 and rejects -1 and r, naming the input', () => {
    expect(toFr(0n, 'x')).toBe(0n)
    expect(toFr(FIELD_MODULUS - 1n, 'x')).toBe(FIELD_MODULUS - 1n)
    expect(() => toFr(-1n, 'root')).toThrow(/root = -1 is not in \[0, r\)/)
    expect(() => toFr(FIELD_MODULUS, 'root')).toThrow(/root = .* is not in \[0, r\)/)
  })

  it('validates addresses: any case, checksummed output, a bad checksum or length is named', () => {
    const lower = '0x52908400098527886e0f7030069857d2e4169ee7'
    expect(toChecksumAddress(lower, 'a')).toBe('0x52908400098527886E0F7030069857D2E4169EE7')
    expect(fieldToAddress(addressToField(lower))).toBe('0x52908400098527886E0F7030069857D2E4169EE7')
    expect(() => toChecksumAddress('0x52908400098527886E0F7030069857D2E4169Ee7', 'line 3 "contributor"')).toThrow(/line 3 "contributor": .* bad EIP-55 checksum/)
    expect(() => toChecksumAddress('0x12', 'f')).toThrow(/is not a 20-byte address/)
    expect(() => fieldToAddress(1n << 160n)).toThrow(/address field/)
  })

  it('maps bytes into the field below 2^248', () => {
    const h = hashToField('hello')
    expect(h < 1n << 248n).toBe(true)
    expect(hashToField(new TextEncoder().encode('hello'))).toBe(h)
  })

  it('rounds half to even and enforces the bound in fixed point', () => {
    expect(toFixed(0.5 / 2 ** 4, 4, 100n)).toBe(0n)
    expect(toFixed(1.5 / 2 ** 4, 4, 100n)).toBe(2n)
    expect(toFixed(-2.5 / 2 ** 4, 4, 100n)).toBe(-2n)
    expect(toFixed(100 / 2 ** 4, 4, 100n)).toBe(100n)
    expect(() => toFixed(101 / 2 ** 4, 4, 100n, 'phi[3]')).toThrow(/phi\[3\] = 101 is outside \[-100, 100\]/)
    expect(fromFixed(toFixed(0.123456, 16, 1n << 20n), 16)).toBeCloseTo(0.123456, 4)
  })
})
