#!/usr/bin/python3
"""PyTorch's side of the interop tests (TorchInteropTest): the reference files and outputs, and the check of moco's exports.

make DIR
    Writes, from fixed seeds and with nothing downloaded:
      moco_v2_zip.pth.tar, moco_v2_legacy.pth.tar  a torchvision ResNet-50 with the MoCo v2 head in the official
                                                    checkpoint layout ({'epoch', 'arch', 'state_dict', 'optimizer'}),
                                                    zip and legacy (_use_new_zipfile_serialization=False)
      resnet18.pth                                  a plain torchvision ResNet-18 state dict
      images.npy                                    float32 [N, 3, 64, 64]
      <model>_features.npy, <model>_head.npy        the pooled backbone features and head outputs, eval mode
    BN running statistics come from training-mode passes over random images and the BN affine parameters are
    perturbed, so inference mode is not an identity.

verify MODEL FILE DIR
    Loads FILE (a .pth with torch.load(weights_only=True), or a .safetensors parsed here from its JSON header)
    into torchvision's MODEL (resnet50-mocov2 or resnet18) with strict=True, and also the backbone alone into a
    plain torchvision model with strict=False; prints the max abs difference of its features to DIR's expected ones.
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision

IMAGES = 2
SIZE = 64


def resnet50_mocov2():
    # main_moco.py / builder.py of facebookresearch/moco with --mlp: fc becomes Linear-ReLU-Linear
    model = torchvision.models.resnet50(num_classes=128)
    dim_mlp = model.fc.weight.shape[1]
    model.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), model.fc)
    return model


def resnet18():
    return torchvision.models.resnet18()


MODELS = {"resnet50-mocov2": resnet50_mocov2, "resnet18": resnet18}


def randomise_batch_norm(model, generator):
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        bn.momentum = None  # cumulative averages over the passes below
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.rand(4, 3, SIZE, SIZE, generator=generator) * 2 - 0.5)
        for bn in bns:
            bn.weight.mul_(0.8 + 0.4 * torch.rand(bn.weight.shape, generator=generator))
            bn.bias.add_(0.1 * torch.randn(bn.bias.shape, generator=generator))
            bn.momentum = 0.1
    model.eval()


def features_and_head(model, images):
    backbone = nn.Sequential(*list(model.children())[:-1])
    with torch.no_grad():
        features = torch.flatten(backbone(images), 1)
        return features, model.fc(features)


def make(out):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    images = torch.rand(IMAGES, 3, SIZE, SIZE, generator=generator)
    np.save(f"{out}/images.npy", images.numpy())

    query = resnet50_mocov2()
    key = resnet50_mocov2()
    # one SGD step as main_moco.py takes, so that the optimizer state holds momentum buffers
    optimizer = torch.optim.SGD(query.parameters(), 0.03, momentum=0.9, weight_decay=1e-4)
    query.train()
    query(images).pow(2).mean().backward()
    optimizer.step()
    randomise_batch_norm(query, generator)
    randomise_batch_norm(key, generator)
    state = {}
    for name, tensor in query.state_dict().items():
        state["module.encoder_q." + name] = tensor
    for name, tensor in key.state_dict().items():
        state["module.encoder_k." + name] = tensor
    queue = nn.functional.normalize(torch.randn(128, 256, generator=generator), dim=0)
    state["module.queue"] = queue
    state["module.queue_ptr"] = torch.zeros(1, dtype=torch.long)
    checkpoint = {"epoch": 200, "arch": "resnet50", "state_dict": state, "optimizer": optimizer.state_dict()}
    torch.save(checkpoint, f"{out}/moco_v2_zip.pth.tar")
    torch.save(checkpoint, f"{out}/moco_v2_legacy.pth.tar", _use_new_zipfile_serialization=False)
    features, head = features_and_head(query, images)
    np.save(f"{out}/resnet50-mocov2_features.npy", features.numpy())
    np.save(f"{out}/resnet50-mocov2_head.npy", head.numpy())

    r18 = resnet18()
    randomise_batch_norm(r18, generator)
    torch.save(r18.state_dict(), f"{out}/resnet18.pth")
    features, head = features_and_head(r18, images)
    np.save(f"{out}/resnet18_features.npy", features.numpy())
    np.save(f"{out}/resnet18_head.npy", head.numpy())


SAFETENSORS_DTYPES = {"F32": np.float32, "I64": np.int64, "F16": np.float16, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_bytes,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_bytes])
    start = 8 + header_bytes
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[start + begin:start + end], dtype=SAFETENSORS_DTYPES[info["dtype"]])
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors


def verify(model_name, path, out):
    state = read_safetensors(path) if path.endswith(".safetensors") else torch.load(path, weights_only=True)
    images = torch.from_numpy(np.load(f"{out}/images.npy"))
    model = MODELS[model_name]()
    model.load_state_dict(state, strict=True)
    model.eval()
    features, head = features_and_head(model, images)
    expected_features = torch.from_numpy(np.load(f"{out}/{model_name}_features.npy"))
    expected_head = torch.from_numpy(np.load(f"{out}/{model_name}_head.npy"))
    plain = torchvision.models.resnet50() if model_name.startswith("resnet50") else torchvision.models.resnet18()
    backbone_only = {k: v for k, v in state.items() if not k.startswith("fc.")}
    plain.load_state_dict(backbone_only, strict=False)
    plain.eval()
    plain_features, _ = features_and_head(plain, images)
    print("features %.3e head %.3e plain-backbone %.3e" % (
        (features - expected_features).abs().max().item(),
        (head - expected_head).abs().max().item(),
        (plain_features - expected_features).abs().max().item()))


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: torch_reference.py make DIR | verify MODEL FILE DIR")
