#!/usr/bin/env python3
"""Machine code of one C2-compiled method, from a JVM log, for objdump.

JDK 25 prints a compiled method as hex when no working disassembler plugin is installed
(`-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,CLASS::METHOD`). This takes the last
C2 (tier 4, not on-stack-replacement) compilation of METHOD from such a log, writes its bytes to
OUT.bin, the disassembly to OUT.s, and a listing without addresses and register names to
OUT.norm (two runs' .norm files differ only where C2 chose other instructions or another order).
Needs objdump (binutils).

  LLAMA3J_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet \
      -XX:CompileCommand=print,dev.llama3j.tensor.PackedQ4Matrix::kernel1" \
      bin/llama3j bench --model bench/.cache/models/1b-q4_0.gguf -p 1 -n 64 > /tmp/run.log
  tools/jit/machcode.py /tmp/run.log PackedQ4Matrix::kernel1 /tmp/kernel1
"""
import re
import subprocess
import sys


def last_compilation(lines, method):
    start = None
    for i, line in enumerate(lines):
        if re.search(r"Compiled method \(c2\).*\s4\s+\S*" + re.escape(method) + r" \(", line):
            start = i
    return start


def code_bytes(lines, start):
    out = bytearray()
    base = None
    for line in lines[start:]:
        if line.startswith("[/MachCode]"):
            break
        m = re.match(r"\s*0x([0-9a-f]+): ((?:[0-9a-f]{2,8}\s*\|?\s*)+)$", line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        if base is None:
            base = addr
        if addr < base + len(out):
            continue
        out += b"\x90" * (addr - base - len(out))  # a gap the log skipped: keep offsets right
        out += bytes.fromhex(re.sub(r"[\s|]", "", m.group(2)))
    return base, out


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: machcode.py LOG CLASS::METHOD OUT")
    log, method, out = sys.argv[1:]
    try:
        with open(log, errors="replace") as f:
            lines = f.read().split("\n")
    except OSError as e:
        sys.exit(f"{log}: cannot read the log ({e.strerror})")
    start = last_compilation(lines, method)
    if start is None:
        sys.exit(f"{log}: no C2 compilation of {method} (was it printed with -XX:CompileCommand=print?)")
    base, code = code_bytes(lines, start)
    if not code:
        sys.exit(f"{log}: the compilation of {method} has no [MachCode] hex")
    try:
        with open(out + ".bin", "wb") as f:
            f.write(code)
        asm = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", out + ".bin"],
                             check=True, capture_output=True, text=True).stdout
    except FileNotFoundError as e:
        sys.exit(f"{e.filename}: not found (objdump comes with binutils; OUT's folder must exist)")
    except subprocess.CalledProcessError as e:
        sys.exit(f"objdump failed on {out}.bin: {e.stderr.strip()}")
    with open(out + ".s", "w") as f:
        f.write(asm)
    with open(out + ".norm", "w") as f:
        for line in asm.split("\n"):
            parts = line.split("\t")
            if len(parts) >= 3 and parts[2].strip():
                f.write(re.sub(r"0x[0-9a-f]+", "N", re.sub(r"%[a-z0-9]+", "R", parts[2].strip())) + "\n")
    print(f"{method}: {len(code)} bytes at 0x{base:x} -> {out}.bin, {out}.s, {out}.norm")


if __name__ == "__main__":
    main()
