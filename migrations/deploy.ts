// Anchor's deploy hook: `anchor migrate` runs it after `anchor deploy` with a
// provider configured from Anchor.toml.
//
// Deploy and initialize back to back: initialize_exchange accepts only the
// program's upgrade authority, so run this with that wallet. Listing
// collateral is a governance action and is left to the `reflex` CLI.
import * as anchor from "@coral-xyz/anchor";

module.exports = async function (provider: anchor.AnchorProvider) {
  anchor.setProvider(provider);
  const program = anchor.workspace.Reflex as anchor.Program;
  const quoteMint = new anchor.web3.PublicKey(
    process.env.REFLEX_QUOTE_MINT ?? "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v" // USDC
  );
  const [exchange] = anchor.web3.PublicKey.findProgramAddressSync(
    [Buffer.from("exchange")],
    program.programId
  );
  if (await provider.connection.getAccountInfo(exchange)) {
    console.log(`exchange ${exchange.toBase58()} already initialized`);
    return;
  }
  const [programData] = anchor.web3.PublicKey.findProgramAddressSync(
    [program.programId.toBuffer()],
    new anchor.web3.PublicKey("BPFLoaderUpgradeab1e11111111111111111111111")
  );
  const signature = await program.methods
    .initializeExchange()
    .accounts({ admin: provider.wallet.publicKey, quoteMint, programData })
    .rpc();
  console.log(`initialized exchange ${exchange.toBase58()} (quote ${quoteMint.toBase58()}): ${signature}`);
};
