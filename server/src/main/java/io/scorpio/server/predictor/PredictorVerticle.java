package io.scorpio.server.predictor;

import io.scorpio.core.model.PrefillTimeModel;
import io.scorpio.core.model.StepTimeModel;
import io.scorpio.server.bus.Addresses;
import io.scorpio.server.bus.Messages;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * The predictor on the event bus: output-length predictions ({@link Addresses#PREDICTOR_PREDICT}) and the
 * configured step-time and prefill-time models ({@link Addresses#PREDICTOR_MODELS}). A prediction that fails
 * answers "no prediction" rather than failing the request: a missing estimate only makes scheduling coarser.
 */
public final class PredictorVerticle extends VerticleBase {

    private final OutputLengthPredictor predictor;
    private final StepTimeModel stepModel;
    private final PrefillTimeModel prefillModel;

    public PredictorVerticle(OutputLengthPredictor predictor, StepTimeModel stepModel, PrefillTimeModel prefillModel) {
        this.predictor = predictor;
        this.stepModel = stepModel;
        this.prefillModel = prefillModel;
    }

    @Override
    public Future<?> start() {
        Future<Void> predict = vertx.eventBus().<Messages.Predict>localConsumer(Addresses.PREDICTOR_PREDICT, m -> {
            Messages.Predict p = m.body();
            predictor.predict(p.prompt(), p.promptTokens()).whenComplete((n, err) -> m.reply(
                    err == null && n != null && n >= 0 ? n : OutputLengthPredictor.NO_PREDICTION));
        }).completion();
        Future<Void> models = vertx.eventBus().localConsumer(Addresses.PREDICTOR_MODELS, m -> m.reply(new JsonObject()
                .put("predictor", predictor.describe())
                .put("step", new JsonObject().put("a", stepModel.a()).put("b", stepModel.b()).put("c", stepModel.c())
                        .put("d", stepModel.d()))
                .put("prefill", new JsonObject().put("theta", prefillModel.theta()).put("c", prefillModel.constantMs())
                        .put("alpha", prefillModel.alpha()).put("beta", prefillModel.beta())))).completion();
        return Future.all(predict, models);
    }

    @Override
    public Future<?> stop() {
        predictor.close();
        return Future.succeededFuture();
    }
}
