pragma circom 2.1.9;

// DotProduct(k): out = sum_t a[t] * b[t] in the field. It is the exact integer dot product only when
// the caller bounds the inputs so that no partial sum wraps mod r: with |a|, |b| <= 2^15 (both
// vectors range-checked by the packing's Num2Bits) |out| <= k * 2^30, far below r / 2.
// constraints: k at (k); 8 at (8)
template DotProduct(k) {
    signal input a[k];
    signal input b[k];
    signal output out;

    signal products[k];
    var sum = 0;
    for (var t = 0; t < k; t++) {
        products[t] <== a[t] * b[t];
        sum += products[t];
    }
    out <== sum;
}
