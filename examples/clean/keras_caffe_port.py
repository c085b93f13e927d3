"""CIFAR-10 CNN, ported from our Caffe model (cifar_cnn_train_val.prototxt).

The solver we trained with in Caffe (cifar_cnn_solver.prototxt):

    base_lr: 0.001
    momentum: 0.9
    weight_decay: 0.0005
    lr_policy: "step"
    stepsize: 40000
    gamma: 0.1

Caffe's weight_decay adds weight_decay * w to the gradient, i.e. the loss term
weight_decay / 2 * sum(w ** 2). A Keras l2(c) regularizer adds c * sum(w ** 2),
so the same decay is l2(WEIGHT_DECAY / 2). Biases had decay_mult: 0 in Caffe, so
only kernels get a regularizer. The optimizer stays SGD with momentum, as in Caffe.
"""

import argparse

import tensorflow as tf
from tensorflow.keras import layers, models, optimizers, regularizers

NUM_CLASSES = 10
BATCH_SIZE = 128
EPOCHS = 120
BASE_LR = 0.001
WEIGHT_DECAY = 0.0005  # weight_decay from the Caffe solver


def conv_block(x, filters):
    x = layers.Conv2D(
        filters,
        3,
        padding="same",
        use_bias=False,
        kernel_regularizer=regularizers.l2(WEIGHT_DECAY / 2),
    )(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    return layers.MaxPooling2D(pool_size=3, strides=2, padding="same")(x)


def build_model(input_shape=(32, 32, 3)):
    inputs = layers.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    for filters in (32, 32, 64):
        x = conv_block(x, filters)
    x = layers.Flatten()(x)
    outputs = layers.Dense(
        NUM_CLASSES,
        kernel_regularizer=regularizers.l2(WEIGHT_DECAY / 2),
        name="ip1",
    )(x)
    return models.Model(inputs, outputs, name="cifar_cnn")


def step_decay(epoch, lr):
    # Caffe's "step" policy: 40k iterations of batch 128 is about 100 epochs of CIFAR-10
    return lr * 0.1 if epoch and epoch % 100 == 0 else lr


def train(epochs, output):
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.cifar10.load_data()

    model = build_model()
    model.compile(
        optimizer=optimizers.SGD(learning_rate=BASE_LR, momentum=0.9),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        validation_data=(x_test, y_test),
        callbacks=[tf.keras.callbacks.LearningRateScheduler(step_decay)],
    )
    model.save(output)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--output", default="cifar_cnn.keras")
    args = parser.parse_args()
    train(args.epochs, args.output)
