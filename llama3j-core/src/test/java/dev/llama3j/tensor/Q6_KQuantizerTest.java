package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Q6_K quantization against llama.cpp's {@code quantize_row_q6_K_ref}. */
class Q6_KQuantizerTest {
    /**
     * Two blocks (512 fp32 values, as IEEE bits in hex) and the 420 bytes llama.cpp's llama-quantize (node-llama-cpp
     * 3.21.1's llama.cpp, commit 80fb11a) wrote for them: row 0 of output.weight of a synthetic model
     * quantized to Q4_0, whose output matrix is Q6_K.
     */
    private static final String VALUES = ""
            + "3bcdde5bbcc4e199bc4406c33ba42c0abbbfe99f3ca08f62bce71a703d0a5051bc11b77dbcd776babc9fe751bb91702a"
            + "bd024cdf3bd5170bbca14e913bd7e807bce0ce91bd0726c6bca7b091bc94db56baf98b4d3c9ea2813ca29ccd3cc6139d"
            + "bb1363c23c07cc40bb1d812cbcc34e20bb97100ebd00f730bca3fa28bd04ac27bcc2c0d7bbb348dabcec3dc4bac79c12"
            + "3c309da5bcefb9d83c18e30c3cb3cdccbbf618443cdf6a063cd9f87cbcf187783cf004adbba9ce983d0a447f3d0829ee"
            + "3c9c120cbcd387bfbc371fb03bcf8845bcf728acbcb8b0d03d06fca43c760e9ebcab6214bb228e1d3cf2ca7dbc6b1000"
            + "bc9d2fb3bce97528bcfee4a9bb5c424abc6d7d03bcc9e3f43cc2c8a23c15f3bdbbb0dbd8bca0a21e3c815c983b99442f"
            + "bbb86bc2bc80e370ba75aaa0bcaf6e16bc9e9b27bcfea540bc4f71b33c237cdcbcfdd39c3d04f2a9bd0c6e763cbff57c"
            + "bc03e91abccd6197bc989690bcfd8ff73ccb8c36bc8b344a3c60aa843c84455a3cb945c7bca787d0bb4ae9babc8a6835"
            + "bd09fc5e3cbce431bc9f90e93d0dce453bbaa258ba6814abbd0ad89437ca4db43c96de3f3c372fb13d0ba7cd3c961d1e"
            + "bb779d523c313caf3cae3349bcbf964fbbaed1fa3cf4e8bb3c41affdbd0a98e23c6f2912bceaae6d3cdaa9993bd80d0f"
            + "3cebd09fbc8eb5773c25f5b33ca3ac79bc85208d3cb5faad3ca238533c74ffdd3c6e15e63cb61fb73cb8b84cbc00bad5"
            + "bb1b07093b72f33e3cf7af0c3cb430f23bccf810bc944f65bc6c29993cc7ddfabcc11c91bc98ad1d3d077d0c3c216306"
            + "3d081110bc74907ebc7199c0bcd26a0ebc1ca227bccfd2d33cd29a843b8bdc783c69693ebc2293bebcb282513d07f0b9"
            + "bbb5e15fbc8ef1783a0b51483c8e6bd3bc98fad2bac6f53e3cb8f4ab3c85cdec3ae7b4c8ba81a1f4bcc8ddc83cd2276a"
            + "bb2c02463c26b44bbc2c39c0bc16fe0abca97365bbd74918bc60e92eba8d17143b026d173ca2c5f2bcaf1dc53c9af5a9"
            + "3b12b4aebc879a823c758e1e3a01116f3b24160bbc20f95e3c066ab9bce9e2263c1faf5cbc0e764ebc38b68cbd03d913"
            + "bc388dbd3ca1a1a33c7763debceb2bc83cd4c954bb8850b43c813366bc081b7a3c0f96d43c4f6a10bc6b724b3c902240"
            + "3cc021383c103fe13cf9a4b33d08b485bce11ce63cd11e0ebcd130a13b5933c0bcb6db4a3d0aefc6bc74976c3cce4cd2"
            + "bb9873b6bc13f9fa3b1541983c55f5e4bce79d123ba7753a3b2043283c1d90efbce53aa9bbeb2463bc8c72583c885d04"
            + "3c7e1f5cbc9580d7bbf05c2e3c68eedf3c1ac093bbb17d07bc140ad5bc85656b3d0b91e33ba1bbeabcf2e4e7bca8091c"
            + "bc2c2fa3bbc16ccebce2a356bcc0d2f9bc60bc903c690137bc93e0083c92268a3be39381bd0bfe8d3c04bc9f3b4a5172"
            + "3c904edc3cb706c33c1636513d003165bb5f42a13c8b8880bced4a85bcacc787bd0ab819bcd8916a3c1a7c8fbca03d6a"
            + "bc01d27d3c847eef3cf4b871bcb8d1e3b9d14050bcd1a81dbc06afba3bc1db233c9750b43d04481cbc8287623c1a83a9"
            + "bc20fa19bced9f9c3c16a0aabc8fc0e0bcdf9ed83c77c0ea3c234d20bcbfab58bd036b9bbce57febbc43249b3ba6622e"
            + "3ac334fe3d0c8487bcd9cbc1bd09ad36bc72c02abc15d7b23d00d0f3bc6f6c46bcf2d429bbecfc183b972868bc254798"
            + "bcb48cadbc93e8643c3a6bdb3c27f8c2bcecd5c63c999c233c9d9499bc140c403d006656bcd7c28cbcadd5b4bba7ebce"
            + "3ce3830abd0a252abc91ba99bc1566293cdb4631bbe3561fbbb21e863c0f8502bb107111bc9a087abca0f673bcac0ef6"
            + "bbc0d7d93cb14a3ebca40d8ebcd276383cb2c997bbacd33bbca511e0bcf512f1bccf49323bdf9ea33c3be2033cc9b34b"
            + "bca08b36bcfac156bb65e0fdbd0866ec3cc3cf1e3bcbcc863cf266d83c904807bcb9f0eabcb91631bbe9ed9fbcf826d1"
            + "bcfc88ad3d03802f3b027f973c7c9d833c40b438bbbffe443bdc693abacf7dfbbc8e5e41bd0c5acd3cf775943a3b02b7"
            + "bcc85e473c341b6b3c67b4f0bd02476b3cd688483c2bd77e3d0d5878bcf8ebf13b83f2bb3ccb7637bcbd235a3cd50666"
            + "3be1f5db3cd85e1a3bf73580bc73ebe5bcd7ba9bbc46976abbf7f10c3c12603e3c856c23bcbe1fba3ca910a6bb8de4fc"
            + "bc8544acbb8755ccbaab08b83b9006eebcff9fde3bcd83b43cbc416c3b2667073c26a0acbc3407463b94544e3c87687f"
            + "3bcef7da3c64bd283bcc4fc73a0944aebd0cceac3c221c753afdaa30bbf067703b8d4e0e3bf6e9033ab12c2d3d0d52f0"
            + "bcf7412c3cd778ebbc26a0a3bd073f033c11bc7fbca48e20bc5f5feb3ca3784ebd05f8aa3cf299533ca10718bc3e300d"
            + "3ce165f53cf546e33c27b9c43d091e303c2003093d08501dbb925f913c1ec103bd080361bcb2d7ac3cd407f2bc9cf792"
            + "3cadb2d6bb6a0bdd3b1313763c4a63a63c9eaba6bd0af3993cc035ff3c7bdfe8bbbb44c73c93e8afbc662a91bcc3718d"
            + "3d0cc4c83c8ab92f3c9e3f8fbb962e3a3cab63a5bc99d4643ce5d0423b8769323c48fea83d067fefbc88798d3cc8f3d9"
            + "3c237779bc0593773c5217f4bc80c6e93b7cca21bcd7793fbcd099d9b79c20873b9d9bbebc9d7895bcf2190ebc03fb1d"
            + "bcde51b1bc735c08bc6d09bebc9a573b3ccee3d43c5edf8abc689e3abcadc5463cb50b0ebc5e17d13cddbbe7bd085842"
            + "bb92ce1cb72e50483ce6e60bbbdfd4e2bc0db1183b21a554bcd50202bcbb0835bceee0413cd921c83ce0685abcf23452"
            + "3cd607053b871d3abcf1604c3c7e8a17bc0f77e13d0d86a2bc73cd30bc8a63823d0acd953c7d00913c3853703cdda683"
            + "3c2a7f25bc10751f3be67b2dbbbb2ba03cc110c3bbca60343c5e9f783c45c761";
    private static final String LLAMA_CPP_Q6_K = ""
            + "1a768b9bb5ce0a51a808f2a4cd0a32aa36e10d6f9e92f3377e08def95cd2dd01f7b52b01b61cf70bf76617fc3465d050"
            + "bec8ba0aec559162b402a43d125b3de3b2db2ab8724c138b8a41eef8a7823006a18e8ed85908e88c4399e441b5b0e070"
            + "a772040c2e117e3073538dfb0ab8c13172b47bb342d00f00621678340a4785c0dd0bfe29568cf7a01a53130e834913e1"
            + "40fc88349d0fc387fd5aa1e87dccdc98ed88d07246e99c605997aa880f5bccc9784e321f7a8768c9a9269b90fad796d1"
            + "7e87797b8f847e86777b5d8c797a7b809280edc0b5aca077b95e79afbc0b5078c8a6de21df07796cd711aaa196372ffb"
            + "2bfb5f50a91f0ef953fe6c673cd9857115b6b532b2178e177c2bfae09f57d9b98b58c02c5fc4411607937a8545f0c69e"
            + "86015fe74e876c292fe18bd829ce5832ac0ebf04fe9b7634467107d1e407df5508128c03ee051e2f6a72658f9d56a060"
            + "3e5455834c8cd8f80248fd5a47c80e6c25f6400cde057e2371f7cf8191470ff726a94db1c15a5082370216e1da27debe"
            + "32eea30985d6015d51047ba05a8f319772487b88847a6d77809e7480858386796a839100";

    @Test
    void matchesLlamaCppBitForBit() {
        float[] x = new float[VALUES.length() / 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(VALUES, 8 * i, 8 * i + 8, 16));
        }
        assertArrayEquals(HexFormat.of().parseHex(LLAMA_CPP_Q6_K), Quantizer.quantize(GgmlType.Q6_K, x));
    }

    @Test
    void dequantizesCloseToTheInput() {
        Random rnd = new Random(3);
        float[] x = new float[256 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * (i < 256 ? 1e-3f : 1f);
        }
        byte[] q = Quantizer.quantize(GgmlType.Q6_K, x);
        WeightMatrix m = WeightMatrix.of("q6k", GgmlType.Q6_K, 8, 256, MemorySegment.ofArray(q));
        float[] back = new float[256];
        for (int r = 0; r < 8; r++) {
            m.dequantizeRow(r, back, 0);
            float amax = 0;
            for (int i = 0; i < 256; i++) {
                amax = Math.max(amax, Math.abs(x[256 * r + i]));
            }
            for (int i = 0; i < 256; i++) {
                // 6 bits per value under an 8-bit group scale: well within amax / 16.
                assertTrue(Math.abs(back[i] - x[256 * r + i]) <= amax / 16, "row " + r + " value " + i);
            }
        }
    }

    @Test
    void allZeroBlockIsZero() {
        byte[] q = Quantizer.quantize(GgmlType.Q6_K, new float[256]);
        assertEquals(210, q.length);
        assertArrayEquals(new byte[210], q);
    }
}
