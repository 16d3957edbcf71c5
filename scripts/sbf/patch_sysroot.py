#!/usr/bin/env python3
"""Patch a *copy* of the nightly sysroot's `library/std` so std builds for SBPF.

SBPF has no writable statics (.data/.bss) and no OS. Upstream std keeps a few
statics on paths a Solana program reaches (panic count, alloc-error hook,
per-thread hash keys), and does not list `bpf` among its std targets. Each
patch below is an exact-text replacement: if the upstream text has moved, the
script stops with an error naming the file instead of producing a std that
silently misbehaves. Re-running on an already patched tree is a no-op.

Usage: patch_sysroot.py <path to library/std>
"""
import os
import sys

MARK = "/* reflex-sbf-patch */"

PATCHES = [
    (
        "build.rs",
        '        || target_os == "vexos"\n',
        '        || target_os == "vexos"\n'
        '        // SBPF: the target spec says os = "zkvm", but `--cfg target_os="solana"`\n'
        '        // makes CARGO_CFG_TARGET_OS read "solana,zkvm". ' + MARK + '\n'
        '        || target_arch == "bpf"\n',
    ),
    (
        "src/sys/alloc/mod.rs",
        '    target_arch = "wasm64",\n)) {\n    16\n',
        '    target_arch = "wasm64",\n    target_arch = "bpf", ' + MARK + '\n)) {\n    16\n',
    ),
    (
        "src/panicking.rs",
        "    force_no_backtrace: bool,\n) -> ! {\n    let must_abort = panic_count::increase(true);\n",
        "    force_no_backtrace: bool,\n) -> ! {\n"
        "    // SBPF has no writable statics: report through the runtime and stop\n"
        "    // before the panic-count and hook statics are touched. " + MARK + "\n"
        "    #[cfg(target_arch = \"bpf\")]\n"
        "    {\n"
        "        let _ = (can_unwind, force_no_backtrace);\n"
        "        sbf_panic::report(payload, location);\n"
        "    }\n"
        "    #[allow(unreachable_code)]\n"
        "    let must_abort = panic_count::increase(true);\n",
    ),
    (
        "src/panicking.rs",
        "/// Central point for dispatching panics.\n",
        "#[cfg(target_arch = \"bpf\")]\n"
        "mod sbf_panic { " + MARK + "\n"
        "    use core::fmt::Write;\n"
        "    use alloc::panicking::PanicPayload;\n    use core::panic::Location;\n"
        "    unsafe extern \"C\" {\n"
        "        fn sol_log_(message: *const u8, len: u64);\n"
        "        fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> !;\n"
        "    }\n"
        "    /// Fixed stack buffer: formatting must not allocate while panicking.\n"
        "    struct Buffer { bytes: [u8; 256], len: usize }\n"
        "    impl Write for Buffer {\n"
        "        fn write_str(&mut self, s: &str) -> core::fmt::Result {\n"
        "            let room = self.bytes.len() - self.len;\n"
        "            let take = s.len().min(room);\n"
        "            self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);\n"
        "            self.len += take;\n"
        "            Ok(())\n"
        "        }\n"
        "    }\n"
        "    pub(super) fn report(payload: &mut dyn PanicPayload, location: &Location<'_>) -> ! {\n"
        "        let mut buffer = Buffer { bytes: [0; 256], len: 0 };\n"
        "        let _ = write!(buffer, \"panicked: {}\", payload);\n"
        "        let file = location.file();\n"
        "        unsafe {\n"
        "            sol_log_(buffer.bytes.as_ptr(), buffer.len as u64);\n"
        "            sol_panic_(file.as_ptr(), file.len() as u64, location.line() as u64, location.column() as u64)\n"
        "        }\n"
        "    }\n"
        "}\n\n"
        "/// Central point for dispatching panics.\n",
    ),
    (
        "src/alloc.rs",
        "pub fn rust_oom(layout: Layout) -> ! {\n",
        "pub fn rust_oom(layout: Layout) -> ! {\n"
        "    // SBPF: no hook static; log and stop through the runtime. " + MARK + "\n"
        "    #[cfg(target_arch = \"bpf\")]\n"
        "    {\n"
        "        unsafe extern \"C\" {\n"
        "            fn sol_log_(message: *const u8, len: u64);\n"
        "            fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> !;\n"
        "        }\n"
        "        let _ = layout;\n"
        "        let message = \"memory allocation failed: out of heap\";\n"
        "        let file = file!();\n"
        "        unsafe {\n"
        "            sol_log_(message.as_ptr(), message.len() as u64);\n"
        "            sol_panic_(file.as_ptr(), file.len() as u64, line!() as u64, 0)\n"
        "        }\n"
        "    }\n"
        "    #[allow(unreachable_code)]\n",
    ),
    (
        "src/hash/random.rs",
        "    pub fn new() -> RandomState {\n",
        "    pub fn new() -> RandomState {\n"
        "        // SBPF: no TLS and no RNG; deterministic keys (a program's hash maps\n"
        "        // are not an attack surface across transactions). " + MARK + "\n"
        "        #[cfg(target_arch = \"bpf\")]\n"
        "        return RandomState { k0: 0x5f2d_7a1c_93e4_b806, k1: 0x1b87_c4e9_02d6_3f5a };\n"
        "        #[allow(unreachable_code)]\n",
    ),
]


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    std = sys.argv[1]
    contents = {}
    for rel, old, new in PATCHES:
        path = os.path.join(std, rel)
        if rel not in contents:
            with open(path, encoding="utf-8") as f:
                contents[rel] = f.read()
        text = contents[rel]
        if new in text:
            continue  # already applied
        count = text.count(old)
        if count != 1:
            print(
                f"patch_sysroot: expected exactly one match in {path}, found {count}.\n"
                f"  The nightly's std has changed; update scripts/sbf/patch_sysroot.py for it.\n"
                f"  Looked for:\n{old}",
                file=sys.stderr,
            )
            return 1
        contents[rel] = text.replace(old, new, 1)
    for rel, text in contents.items():
        path = os.path.join(std, rel)
        # Write a new file and rename it over the old one: the sysroot copy is
        # made of hard links into the installed toolchain, which must stay intact.
        tmp = path + ".reflex-tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
