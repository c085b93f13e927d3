"""A small Flax MLP on MNIST, trained with optax."""

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax
import tensorflow_datasets as tfds
from flax import linen as nn
from flax.training import train_state


class MLP(nn.Module):
    hidden: int = 512
    num_classes: int = 10

    @nn.compact
    def __call__(self, x):
        x = x.reshape((x.shape[0], -1))
        x = nn.relu(nn.Dense(self.hidden)(x))
        x = nn.relu(nn.Dense(self.hidden)(x))
        return nn.Dense(self.num_classes)(x)


def create_state(rng):
    model = MLP()
    params = model.init(rng, jnp.ones((1, 28, 28, 1)))["params"]
    tx = optax.chain(
        optax.add_decayed_weights(1e-4),
        optax.adam(1e-3),
    )
    return train_state.TrainState.create(apply_fn=model.apply, params=params, tx=tx)


@jax.jit
def train_step(state, images, labels):
    def loss_fn(params):
        logits = state.apply_fn({"params": params}, images)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    loss, grads = jax.value_and_grad(loss_fn)(state.params)
    return state.apply_gradients(grads=grads), loss


def batches(split, batch_size):
    ds = tfds.load("mnist", split=split, batch_size=batch_size, shuffle_files=True)
    for batch in tfds.as_numpy(ds):
        yield np.float32(batch["image"]) / 255.0, batch["label"]


def train(epochs, batch_size, seed):
    state = create_state(jax.random.PRNGKey(seed))
    for epoch in range(epochs):
        for images, labels in batches("train", batch_size):
            state, loss = train_step(state, images, labels)
        print(f"epoch {epoch}: loss {float(loss):.4f}")
    return state


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    train(args.epochs, args.batch_size, args.seed)
