"""Fine-tune an ImageNet ResNet-18 on an ImageFolder dataset (train/ and val/)."""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms


def build_model(num_classes):
    model = models.resnet18(weights=models.ResNet18_Weights.IMAGENET1K_V1)
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model


def make_loaders(data_dir, batch_size):
    normalize = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    train_tf = transforms.Compose(
        [transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize]
    )
    val_tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), normalize])
    train_set = datasets.ImageFolder(f"{data_dir}/train", train_tf)
    val_set = datasets.ImageFolder(f"{data_dir}/val", val_tf)
    return (
        DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=4, pin_memory=True),
        DataLoader(val_set, batch_size=batch_size, num_workers=4),
        len(train_set.classes),
    )


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        correct += (model(images).argmax(dim=1) == labels).sum().item()
        total += labels.numel()
    return correct / total


def train(args):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader, val_loader, num_classes = make_loaders(args.data, args.batch_size)
    model = build_model(num_classes).to(device)

    # AdamW decays the weights directly instead of adding weight_decay * w to the
    # gradient, where Adam would rescale it (Loshchilov & Hutter, "Decoupled Weight
    # Decay Regularization"). Its decay is multiplied by the lr, so it is tuned
    # separately from an SGD or Caffe weight decay.
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    for epoch in range(args.epochs):
        model.train()
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(f"epoch {epoch}: loss {loss.item():.4f}, val acc {evaluate(model, val_loader, device):.3f}")

    torch.save(model.state_dict(), args.output)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", help="folder with train/ and val/ subfolders")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--output", default="resnet18_finetuned.pt")
    train(parser.parse_args())
