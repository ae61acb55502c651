// Packages that ship no TypeScript declarations; we type the parts we call at their use site.
declare module 'circomlibjs'
declare module 'snarkjs'
declare module 'ffjavascript'
declare module 'circom2'
