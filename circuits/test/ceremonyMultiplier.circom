pragma circom 2.1.9;

// CeremonyMultiplier(): knows a, b with a * b * b = product, where `product` and `b2` = b * b are public.
// A 3-constraint circuit for the ceremony tests: small enough that phase 2 runs on a 2^8 ptau,
// with two public inputs so the exported verifier's input array and IC list are exercised.
// constraints: 3
template CeremonyMultiplier() {
    signal input a;
    signal input b;
    signal input product;
    signal input b2;

    signal ab;
    b2 === b * b;
    ab <== a * b;
    product === ab * b;
}
