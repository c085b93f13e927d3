"""MNIST convnet as a TF 1.x Estimator (TensorFlow 1.15)."""

import argparse

import numpy as np
import tensorflow as tf

WEIGHT_DECAY = 1e-4
MOMENTUM = 0.9


def model_fn(features, labels, mode, params):
    regularizer = tf.contrib.layers.l2_regularizer(scale=params["weight_decay"])
    training = mode == tf.estimator.ModeKeys.TRAIN

    net = tf.reshape(features["image"], [-1, 28, 28, 1])
    net = tf.layers.conv2d(net, 32, 5, padding="same", activation=tf.nn.relu, kernel_regularizer=regularizer)
    net = tf.layers.max_pooling2d(net, 2, 2)
    net = tf.layers.conv2d(net, 64, 5, padding="same", activation=tf.nn.relu, kernel_regularizer=regularizer)
    net = tf.layers.max_pooling2d(net, 2, 2)
    net = tf.layers.flatten(net)
    net = tf.layers.dense(net, 1024, activation=tf.nn.relu, kernel_regularizer=regularizer)
    net = tf.layers.dropout(net, rate=0.4, training=training)
    logits = tf.layers.dense(net, 10, kernel_regularizer=regularizer)

    predictions = {"classes": tf.argmax(logits, axis=1), "probabilities": tf.nn.softmax(logits)}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)

    cross_entropy = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    # tf.layers put the kernel regularizers' terms in the REGULARIZATION_LOSSES
    # collection; an Estimator never adds them, so the model_fn must.
    loss = cross_entropy + tf.losses.get_regularization_loss()

    if mode == tf.estimator.ModeKeys.TRAIN:
        learning_rate = tf.train.exponential_decay(
            params["learning_rate"], tf.train.get_global_step(), decay_steps=10000, decay_rate=0.5, staircase=True
        )
        optimizer = tf.train.MomentumOptimizer(learning_rate, momentum=MOMENTUM)
        train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)

    metrics = {"accuracy": tf.metrics.accuracy(labels=labels, predictions=predictions["classes"])}
    return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)


def main(args):
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    x_train, x_test = (x_train / 255.0).astype(np.float32), (x_test / 255.0).astype(np.float32)
    y_train, y_test = y_train.astype(np.int32), y_test.astype(np.int32)

    classifier = tf.estimator.Estimator(
        model_fn=model_fn,
        model_dir=args.model_dir,
        params={"learning_rate": args.learning_rate, "weight_decay": WEIGHT_DECAY},
    )
    train_input_fn = tf.estimator.inputs.numpy_input_fn(
        x={"image": x_train}, y=y_train, batch_size=100, num_epochs=None, shuffle=True
    )
    eval_input_fn = tf.estimator.inputs.numpy_input_fn(x={"image": x_test}, y=y_test, num_epochs=1, shuffle=False)
    classifier.train(input_fn=train_input_fn, steps=args.steps)
    print(classifier.evaluate(input_fn=eval_input_fn))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", default="/tmp/mnist_convnet")
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--steps", type=int, default=20000)
    main(parser.parse_args())
