package dev.llama3j.deberta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The encoder's scalar steps against Python's math.erf and Hugging Face's make_log_bucket_position. */
class EncoderMathTest {
    @Test
    void erfMatchesPython() {
        double[][] cases = {
            {0.0, 0.0}, {0.1, 0.1124629160182849}, {0.3, 0.3286267594591274}, {0.49, 0.511668261188523},
            {0.5, 0.5204998778130465}, {1.0, 0.8427007929497149}, {2.0, 0.9953222650189527},
            {3.9, 0.9999999652077514}, {4.0, 0.9999999845827421}, {5.5, 0.9999999999999927},
            {-0.7, -0.6778011938374184}, {-2.5, -0.999593047982555},
        };
        for (double[] c : cases) {
            assertEquals(c[1], EncoderMath.erf(c[0]), 2.5e-7, "erf(" + c[0] + ")");
        }
    }

    @Test
    void logBucketsMatchHuggingFace() {
        int[] rel = {0, 1, -1, 127, 128, 129, -129, 130, 200, 300, 400, 511, -511, 600, 1000, 4000};
        int[] expected = {0, 1, -1, 127, 128, 129, -129, 130, 169, 207, 233, 255, -255, 270, 317, 444};
        for (int i = 0; i < rel.length; i++) {
            assertEquals(expected[i], RelativePositions.bucket(rel[i], 256, 512), "distance " + rel[i]);
        }
        assertEquals(700, RelativePositions.bucket(700, -1, 512), "no buckets: the distance itself");
    }
}
