package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The loader's repacking of a whole model: one Q6_K form for all its Q6_K matrices, chosen by their share,
 * except the output layer of a model loaded for one sequence at a time, held in both forms.
 */
class LlamaWeightsTest {
    private static final int DIM = 256;

    @Test
    void aModelOfQ6KMatricesIsRepackedAtSixBitsAWeight() {
        LlamaWeights w = model(GgmlType.Q6_K, GgmlType.Q6_K);
        assertEquals(w.weights(null), w.weights(GgmlType.Q6_K));
        LlamaWeights packed = optimized(w);
        // The compact form holds fewer bytes than a byte a weight; the byte form more.
        assertTrue(packed.lmHead().data().byteSize() < (long) DIM * DIM, "compact Q6_K expected");
        assertTrue(packed.layers()[0].wDown().data().byteSize() < (long) DIM * DIM, "compact Q6_K expected");
        assertSame(packed.tokenEmbedding(), packed.lmHead(), "tied embeddings stay one matrix");
        assertTrue(packed.independentOf(w), "every matrix copied: the file can be unmapped");
    }

    @Test
    void aModelWithAQ6KOutputLayerOnlyKeepsTheByteForm() {
        // As a Q4_0 file: Q6_K for the tied embeddings (one matrix of eight), Q4_0 elsewhere.
        LlamaWeights w = model(GgmlType.Q4_0, GgmlType.Q6_K);
        assertEquals((long) DIM * DIM, w.weights(GgmlType.Q6_K));
        assertEquals(8L * DIM * DIM, w.weights(null));
        LlamaWeights packed = optimized(w);
        assertTrue(packed.lmHead().data().byteSize() > (long) DIM * DIM, "byte-form Q6_K expected");
    }

    @Test
    void aModelLoadedForOneSequenceHoldsItsOutputLayerInBothForms() {
        LlamaWeights w = model(GgmlType.Q4_0, GgmlType.Q6_K); // Q6_K a minority: the byte form for the model
        LlamaWeights one = optimized(w, 1);
        WeightMatrix head = one.lmHead();
        assertTrue(head.data().byteSize() > (long) DIM * DIM, "the byte form first: rows and several inputs");
        assertTrue(head.bytes() - head.data().byteSize() < (long) DIM * DIM, "and the compact form beside it");
        assertSame(one.tokenEmbedding(), one.lmHead(), "tied embeddings stay one matrix");
        LlamaWeights several = optimized(w, 8);
        assertTrue(several.lmHead().data().byteSize() > (long) DIM * DIM, "byte-form output layer expected");
        assertEquals(several.lmHead().data().byteSize(), several.lmHead().bytes(), "one form only");
    }

    @Test
    void anOutputLayerBesideQ6KLayersIsInBothFormsForOneSequenceAndTheLayersKeepTheirs() {
        // As a Q4_K_M file: a Q6_K down projection among Q4_0 ones, and a Q6_K output layer.
        float[] norm = new float[DIM];
        WeightMatrix q4 = matrix(GgmlType.Q4_0);
        LayerWeights l = new LayerWeights(norm, q4, q4, q4, q4, norm, q4, q4, matrix(GgmlType.Q6_K));
        WeightMatrix embed = matrix(GgmlType.Q6_K);
        LlamaWeights packed = optimized(new LlamaWeights(embed, new LayerWeights[] {l}, norm, embed, null), 1);
        assertTrue(packed.lmHead().data().byteSize() > (long) DIM * DIM, "byte-form output layer expected");
        assertTrue(packed.lmHead().bytes() > packed.lmHead().data().byteSize(), "and its compact form");
        WeightMatrix down = packed.layers()[0].wDown();
        assertTrue(down.data().byteSize() > (long) DIM * DIM, "byte-form Q6_K expected");
        assertEquals(down.data().byteSize(), down.bytes(), "the layers' Q6_K in one form");
    }

    @Test
    void untiedEmbeddingsStayInPlaceAndTheOutputLayerIsRepacked() {
        float[] norm = new float[DIM];
        WeightMatrix q6 = matrix(GgmlType.Q6_K);
        LayerWeights l = new LayerWeights(norm, q6, q6, q6, q6, norm, q6, q6, q6);
        WeightMatrix embed = matrix(GgmlType.Q6_K);
        WeightMatrix head = matrix(GgmlType.Q6_K);
        LlamaWeights w = new LlamaWeights(embed, new LayerWeights[] {l}, norm, head, null);
        LlamaWeights packed = optimized(w);
        // Only read a row at a time: left as stored (in a file's pages when loaded from one).
        assertSame(embed, packed.tokenEmbedding());
        assertTrue(packed.lmHead() != head, "the output layer is repacked");
        assertTrue(!packed.independentOf(w), "the embeddings still point into the source");
    }

    private static LlamaWeights optimized(LlamaWeights w) {
        return optimized(w, 0);
    }

    private static LlamaWeights optimized(LlamaWeights w, int sequences) {
        try (WorkerPool pool = new WorkerPool(2)) {
            return w.optimized(Arena.ofAuto(), pool, sequences);
        }
    }

    /** One layer of DIM × DIM matrices in {@code layers}' type, tied embeddings in {@code embeddings}' (all zero). */
    private static LlamaWeights model(GgmlType layers, GgmlType embeddings) {
        float[] norm = new float[DIM];
        LayerWeights l = new LayerWeights(norm, matrix(layers), matrix(layers), matrix(layers), matrix(layers), norm,
                matrix(layers), matrix(layers), matrix(layers));
        WeightMatrix embed = matrix(embeddings);
        return new LlamaWeights(embed, new LayerWeights[] {l}, norm, embed, null);
    }

    private static WeightMatrix matrix(GgmlType type) {
        MemorySegment data = Arena.ofAuto().allocate(type.bytesFor((long) DIM * DIM));
        return WeightMatrix.of("w", type, DIM, DIM, data);
    }
}
