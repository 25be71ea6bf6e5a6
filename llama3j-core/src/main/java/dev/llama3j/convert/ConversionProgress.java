package dev.llama3j.convert;

/** Told how far writing a GGUF file has got (a progress bar listens). Called from the writing thread. */
@FunctionalInterface
public interface ConversionProgress {
    /**
     * @param tensor the tensor being written
     * @param index its index, from 0
     * @param count how many tensors the file has
     * @param bytesDone tensor bytes written so far, all tensors together
     * @param bytesTotal tensor bytes of the whole file
     */
    void update(String tensor, int index, int count, long bytesDone, long bytesTotal);

    ConversionProgress NONE = (tensor, index, count, done, total) -> {};
}
