#!/usr/bin/env python3
"""Prints IntGemm's tile kernels (widths 12, 8, 4), which are written out in full in
llama3j-core/src/main/java/dev/llama3j/tensor/IntGemm.java: usage `python3 tools/jit/int-gemm-tiles.py 12 8 4`."""
import sys
def tile(T):
    L = []
    def o(s): L.append(s)
    o(f"    private static void tile{T}(short[] p, int po, float[] ws, float[] wo, int ob, int blocks, int[] x, int xb,")
    o("            float[] xs, float[] xsum, int sb, float[] acc) {")
    o("        for (int b = 0; b < blocks; b++) {")
    o("            ShortVector c00 = ShortVector.zero(S);")
    decl = []
    for j in range(T):
        for h in range(2):
            n = f"c{j:x}{h}"
            if n != "c00": decl.append(f"{n} = c00")
    for i in range(0, len(decl), 6):
        o("            ShortVector " + ", ".join(decl[i:i+6]) + ";")
    o("            for (int pp = b * PAIRS, end = pp + PAIRS; pp < end; pp++) {")
    o("                int pk = po + pp * 2 * G;")
    o("                int xk = xb + pp * TILE;")
    o("                ShortVector w0 = ShortVector.fromArray(S, p, pk);")
    o("                ShortVector w1 = ShortVector.fromArray(S, p, pk + G);")
    for j in range(T):
        pre = "ShortVector " if j == 0 else ""
        o(f"                {pre}v = IntVector.broadcast(I, x[xk{'' if j == 0 else ' + ' + str(j)}]).reinterpretAsShorts();")
        o(f"                c{j:x}0 = w0.mul(v).add(c{j:x}0);")
        o(f"                c{j:x}1 = w1.mul(v).add(c{j:x}1);")
    o("            }")
    o("            // Each 32-bit lane holds a row's two 16-bit sums: their total, widened, times the two scales.")
    o("            FloatVector s0 = FloatVector.fromArray(F, ws, b * G);")
    o("            FloatVector s1 = FloatVector.fromArray(F, ws, b * G + V);")
    o("            int sk = sb + b * TILE;")
    o("            IntVector i0, i1;")
    o("            FloatVector a0, a1;")
    o("            if (wo == null) {")
    for j in range(T):
        o(f"                i0 = c{j:x}0.reinterpretAsInts();")
        o(f"                i1 = c{j:x}1.reinterpretAsInts();")
        o(f"                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);")
        o(f"                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);")
        o(f"                a0.fma(s0.mul(xs[sk + {j}]), FloatVector.fromArray(F, acc, {j} * G)).intoArray(acc, {j} * G);")
        o(f"                a1.fma(s1.mul(xs[sk + {j}]), FloatVector.fromArray(F, acc, {j} * G + V)).intoArray(acc, {j} * G + V);")
    o("            } else {")
    o("                FloatVector o0 = FloatVector.fromArray(F, wo, ob + b * G);")
    o("                FloatVector o1 = FloatVector.fromArray(F, wo, ob + b * G + V);")
    for j in range(T):
        o(f"                i0 = c{j:x}0.reinterpretAsInts();")
        o(f"                i1 = c{j:x}1.reinterpretAsInts();")
        o(f"                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);")
        o(f"                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);")
        o(f"                a0.fma(s0.mul(xs[sk + {j}]), o0.fma(FloatVector.broadcast(F, xsum[sk + {j}]), FloatVector.fromArray(F, acc, {j} * G)))")
        o(f"                        .intoArray(acc, {j} * G);")
        o(f"                a1.fma(s1.mul(xs[sk + {j}]), o1.fma(FloatVector.broadcast(F, xsum[sk + {j}]), FloatVector.fromArray(F, acc, {j} * G + V)))")
        o(f"                        .intoArray(acc, {j} * G + V);")
    o("            }")
    o("        }")
    o("    }")
    return "\n".join(L)


if __name__ == "__main__":
    print("\n\n".join(tile(int(a)) for a in sys.argv[1:]))
