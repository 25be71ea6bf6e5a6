package dev.llama3j;

import dev.llama3j.engine.Generation;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.error.InvalidRequestException;

/**
 * One chat turn of one choice through the engine, for {@link Llama#chat}: the prepared request's
 * generation, its token texts through the choice's {@link ChatOutput}, heard by a {@link ChatListener}.
 */
final class ChatCompletion {
    private ChatCompletion() {}

    static Generation submit(Llama llama, ChatRequest request, ChatListener listener) {
        if (request.n() != 1) {
            throw new InvalidRequestException("Llama.chat generates one choice, got n = " + request.n()
                    + "; use Llama.prepareChat for several", "n");
        }
        PreparedChat chat = llama.prepareChat(request);
        ChatOutput out = chat.newOutput();
        return llama.engine().submit(chat.generations().get(0), new GenerationListener() {
            @Override
            public void onToken(TokenEvent event) {
                listener.onToken(event);
                String content = out.feed(event.text());
                if (!content.isEmpty()) {
                    listener.onContent(content);
                }
            }

            @Override
            public void onFinish(GenerationResult result) {
                ChatResponse response = out.finish(result);
                if (!out.tail().isEmpty()) {
                    listener.onContent(out.tail());
                }
                listener.onFinish(response);
            }

            @Override
            public void onError(Throwable error) {
                listener.onError(error);
            }
        });
    }

    static ChatResponse complete(Llama llama, ChatRequest request) {
        ChatResponse[] out = new ChatResponse[1];
        Generation g = submit(llama, request, new ChatListener() {
            @Override
            public void onFinish(ChatResponse response) {
                out[0] = response;
            }
        });
        g.await();
        return out[0];
    }
}
