// The block source's tests run `hardhat node` from this folder: its default in-process chain
// (chain id 31337, blocks mined only when asked) is all they need.
export default {};
