#!/usr/bin/env python3
"""The MoCo training step in PyTorch, for comparison with `./moco bench throughput`.

The step is the one ThroughputBenchmark runs through MocoTrainer and QueueDictionary
(He et al. 2020, Algorithm 1; MoCo v2 head, Chen et al. 2020), on random data:

    q = normalize(f_q(x_q))                       # query forward, [N, C]
    theta_k <- m * theta_k + (1 - m) * theta_q    # momentum update (parameters, not BN buffers)
    k = normalize(f_k(x_k[perm]))[perm^-1]        # key forward, no_grad, shuffle BN in G groups
    logits = [q.k+ | q.queue^T] / T, label 0      # InfoNCE against the K queued keys
    loss.backward(); SGD(lr 0.03, momentum 0.9, weight decay 1e-4).step()
    enqueue(k)                                    # ring buffer of K keys, [K, C]

Shuffle BN on one device: each BN layer of the key encoder normalises the shuffled batch in G
consecutive chunks, each with its own statistics (one chunk per GPU in the paper), and
averages the G running statistics back into one. The query encoder uses plain BN (G = 1).

Networks (torchvision is not needed; Debian's python3-torch ships without it):
  resnet20  CIFAR-style: 3x3/1 stem to 16, stages 16-32-64 of 3 basic blocks, projection
            shortcuts (1x1 conv + BN) where the shape changes, as moco-encoders builds it
  resnet18, resnet34, resnet50  torchvision v1.5 layout: 7x7/2 stem, 3x3/2 max-pool, basic or
            bottleneck blocks (stride on the 3x3), `fc` replaced by the MoCo v2 MLP head
  head      Linear(d, d) - ReLU - Linear(d, 128), d the representation width (64, 512, 2048)

FLOPs are counted as ThroughputBenchmark counts them: 2 x multiply-adds of the convolutions,
4F per step (query forward + backward, key forward), plus 2 x 2 x N x C x (K + 1) for the
logits and their gradient.

    /usr/bin/python3 moco-bench/src/main/python/torch_moco_step.py             # resnet20, 1x28x28, N=256, K=4096, G=8
    /usr/bin/python3 moco-bench/src/main/python/torch_moco_step.py --encoder resnet18 \\
        --channels 3 --image-size 64 --batch 128 --queue-size 16384 --groups 8
    /usr/bin/python3 moco-bench/src/main/python/torch_moco_step.py --encoder resnet50 \\
        --channels 3 --image-size 224 --batch 32 --queue-size 16384 --groups 4 --steps 5 --warmup 1

The last line is `throughput: <median img/s> img/s`, as in `./moco bench throughput`.
"""

import argparse
import copy
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GroupedBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training-mode statistics are computed per group of samples.

    With groups = G > 1 the batch is cut into G equal consecutive chunks (one per GPU in the
    paper); each chunk is normalised with its own batch statistics and updates its own copy of
    the running statistics, which are then averaged (the GPUs' buffers kept in sync). A chunk
    along N is contiguous in NCHW and in NHWC, so each group is one native BN call.
    """

    def __init__(self, num_features):
        super().__init__(num_features)
        self.groups = 1

    def forward(self, x):
        g = self.groups
        if g == 1 or not self.training:
            return super().forward(x)
        means = [self.running_mean.clone() for _ in range(g)]
        variances = [self.running_var.clone() for _ in range(g)]
        out = torch.cat([F.batch_norm(chunk, means[i], variances[i], self.weight, self.bias, True,
                                      self.momentum, self.eps)
                         for i, chunk in enumerate(x.chunk(g))])
        with torch.no_grad():
            self.running_mean.copy_(torch.stack(means).mean(dim=0))
            self.running_var.copy_(torch.stack(variances).mean(dim=0))
        return out


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride, 0, bias=False)


def projection(cin, cout, stride):
    """The shortcut where the shape changes: 1x1 strided conv + BN (option B)."""
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(conv1x1(cin, cout, stride), GroupedBatchNorm2d(cout))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = conv3x3(cin, width, stride)
        self.bn1 = GroupedBatchNorm2d(width)
        self.conv2 = conv3x3(width, width)
        self.bn2 = GroupedBatchNorm2d(width)
        self.downsample = projection(cin, width, stride)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity, inplace=True)


class Bottleneck(nn.Module):
    """torchvision v1.5 bottleneck: the stride sits on the 3x3 convolution."""
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * self.expansion
        self.conv1 = conv1x1(cin, width)
        self.bn1 = GroupedBatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride)
        self.bn2 = GroupedBatchNorm2d(width)
        self.conv3 = conv1x1(width, cout)
        self.bn3 = GroupedBatchNorm2d(cout)
        self.downsample = projection(cin, cout, stride)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = F.relu(self.bn2(self.conv2(out)), inplace=True)
        out = self.bn3(self.conv3(out))
        return F.relu(out + identity, inplace=True)


# name -> (small-input family?, block, blocks per stage)
ARCHITECTURES = {
    "resnet20": (True, BasicBlock, (3, 3, 3)),
    "resnet32": (True, BasicBlock, (5, 5, 5)),
    "resnet56": (True, BasicBlock, (9, 9, 9)),
    "resnet18": (False, BasicBlock, (2, 2, 2, 2)),
    "resnet34": (False, BasicBlock, (3, 4, 6, 3)),
    "resnet50": (False, Bottleneck, (3, 4, 6, 3)),
}


class ResNetEncoder(nn.Module):
    """Backbone to the pooled representation, then the MoCo v2 MLP head to `dim` features."""

    def __init__(self, architecture, in_channels, dim=128):
        super().__init__()
        small, block, blocks = ARCHITECTURES[architecture]
        stem = 16 if small else 64
        if small:
            self.conv1 = conv3x3(in_channels, stem)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(in_channels, stem, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.bn1 = GroupedBatchNorm2d(stem)
        stages = []
        cin = stem
        for s, count in enumerate(blocks):
            width = stem << s
            layers = []
            for b in range(count):
                layers.append(block(cin, width, 2 if s > 0 and b == 0 else 1))
                cin = width * block.expansion
            stages.append(nn.Sequential(*layers))
        self.layers = nn.Sequential(*stages)
        self.representation = cin
        self.head = nn.Sequential(nn.Linear(cin, cin), nn.ReLU(inplace=True), nn.Linear(cin, dim))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x)), inplace=True))
        x = self.layers(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.head(x)

    def set_bn_groups(self, groups):
        for m in self.modules():
            if isinstance(m, GroupedBatchNorm2d):
                m.groups = groups


def forward_conv_flops(model, batch, channels, size):
    """2 x multiply-adds of every convolution in one forward of `batch` images."""
    total = [0.0]

    def hook(module, inputs, output):
        kh, kw = module.kernel_size
        per_output = module.in_channels // module.groups * kh * kw
        total[0] += 2.0 * output.numel() * per_output

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, channels, size, size))
    model.train()
    for h in handles:
        h.remove()
    return total[0] * batch


class MocoStep:
    """Query encoder, momentum key encoder, queue and optimizer; `step` runs Algorithm 1 once."""

    def __init__(self, args):
        self.t = args.temperature
        self.m = args.momentum
        self.groups = args.groups
        self.memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
        self.encoder_q = ResNetEncoder(args.encoder, args.channels)
        self.encoder_k = copy.deepcopy(self.encoder_q)
        self.encoder_k.set_bn_groups(args.groups)
        for p in self.encoder_k.parameters():
            p.requires_grad = False
        self.params_q = list(self.encoder_q.parameters())
        self.params_k = list(self.encoder_k.parameters())
        self.optimizer = torch.optim.SGD(self.params_q, lr=0.03, momentum=0.9, weight_decay=1e-4)
        self.queue = F.normalize(torch.randn(args.queue_size, 128), dim=1)   # [K, C]
        self.pointer = 0
        if args.channels_last:
            self.encoder_q = self.encoder_q.to(memory_format=torch.channels_last)
            self.encoder_k = self.encoder_k.to(memory_format=torch.channels_last)

    def step(self, im_q, im_k, clock):
        self.optimizer.zero_grad(set_to_none=False)
        q = F.normalize(self.encoder_q(im_q), dim=1)                        # queries: NxC
        clock("query forward")
        with torch.no_grad():
            torch._foreach_mul_(self.params_k, self.m)                       # theta_k <- m theta_k + (1-m) theta_q
            torch._foreach_add_(self.params_k, self.params_q, alpha=1 - self.m)
            clock("momentum update")
            n = im_k.shape[0]
            shuffle = torch.randperm(n)
            if self.groups > 1:                                              # indexing drops NHWC: restore it
                im_k = im_k[shuffle].contiguous(memory_format=self.memory_format)
            k = self.encoder_k(im_k)
            k = F.normalize(k, dim=1)
            if self.groups > 1:
                k = k[torch.argsort(shuffle)]                                # keys: NxC, un-shuffled
            clock("key forward")
        l_pos = torch.einsum("nc,nc->n", q, k).unsqueeze(-1)                 # Nx1
        l_neg = q @ self.queue.t()                                           # NxK
        logits = torch.cat([l_pos, l_neg], dim=1) / self.t                   # Nx(1+K)
        labels = torch.zeros(logits.shape[0], dtype=torch.long)
        loss = F.cross_entropy(logits, labels)
        clock("loss")
        loss.backward()
        clock("query backward")
        self.optimizer.step()
        clock("optimizer")
        with torch.no_grad():                                                # enqueue over the oldest keys
            newest = k[-self.queue.shape[0]:]                                # with N > K only the newest K stay
            rows = (self.pointer + torch.arange(newest.shape[0])) % self.queue.shape[0]
            self.queue[rows] = newest
            self.pointer = (self.pointer + newest.shape[0]) % self.queue.shape[0]
        clock("enqueue")
        return loss.item()


class PhaseClock:
    def __init__(self):
        self.phases = {}
        self.last = time.perf_counter()

    def start(self):
        self.last = time.perf_counter()

    def __call__(self, phase):
        now = time.perf_counter()
        self.phases.setdefault(phase, []).append(now - self.last)
        self.last = now


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoder", default="resnet20", choices=sorted(ARCHITECTURES))
    parser.add_argument("--batch", type=int, default=256, help="images per step N (default 256)")
    parser.add_argument("--queue-size", type=int, default=4096, help="queued negatives K (default 4096)")
    parser.add_argument("--image-size", type=int, default=28, help="image height and width (default 28)")
    parser.add_argument("--channels", type=int, default=1, help="image channels (default 1)")
    parser.add_argument("--groups", type=int, default=8, help="shuffle-BN groups G (default 8)")
    parser.add_argument("--steps", type=int, default=20, help="measured steps (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured warm-up steps (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--temperature", type=float, default=0.2)
    parser.add_argument("--momentum", type=float, default=0.999)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--channels-last", action="store_true",
                        help="NHWC activations and weights (default: PyTorch's NCHW)")
    args = parser.parse_args(argv)
    if args.batch < 2 or args.groups < 1 or args.batch % args.groups != 0:
        parser.error(f"--groups {args.groups} must divide --batch {args.batch} (and the batch be >= 2)")
    if args.steps < 1 or args.warmup < 0 or args.queue_size < 1:
        parser.error("need --steps >= 1, --warmup >= 0 and --queue-size >= 1")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    moco = MocoStep(args)
    shape = (args.batch, args.channels, args.image_size, args.image_size)
    im_q = torch.randn(shape)
    im_k = torch.randn(shape)
    if args.channels_last:
        im_q = im_q.contiguous(memory_format=torch.channels_last)
        im_k = im_k.contiguous(memory_format=torch.channels_last)
    forward = forward_conv_flops(moco.encoder_q, args.batch, args.channels, args.image_size)
    gflop = (4 * forward + 4.0 * args.batch * 128 * (args.queue_size + 1)) / 1e9

    clock = PhaseClock()
    steps = []
    cpu = []
    loss = float("nan")
    for i in range(args.warmup + args.steps):
        if i == args.warmup:
            clock.phases.clear()
        t0 = time.perf_counter()
        c0 = time.process_time()
        clock.start()
        loss = moco.step(im_q, im_k, clock)
        seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - c0
        kind = "warm-up" if i < args.warmup else "measured"
        print(f"{kind} step {i}: {1e3 * seconds:.1f} ms, loss {loss:.4f}", flush=True)
        if i >= args.warmup:
            steps.append(seconds)
            cpu.append(cpu_seconds)

    step = statistics.median(steps)
    print()
    print(f"torch {torch.__version__} | {args.encoder} (d={moco.encoder_q.representation}, MLP head to 128)"
          f"{' channels-last' if args.channels_last else ''} | N={args.batch} K={args.queue_size} G={args.groups}"
          f" | {args.channels}x{args.image_size}x{args.image_size} | {args.threads} threads"
          f" | {args.steps} steps after {args.warmup} warm-up")
    print(f"{'phase (median)':22} {'ms/step':>12} {'share':>8}")
    for phase, values in clock.phases.items():
        ms = 1e3 * statistics.median(values)
        print(f"{phase:22} {ms:12.1f} {100 * ms / (1e3 * step):7.1f}%")
    own = sum(statistics.median(clock.phases[p]) for p in ("momentum update", "enqueue"))
    print(f"{'dictionary own work':22} {'':>12} {100 * own / step:7.1f}%  (momentum update + enqueue)")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"step FLOPs {gflop:.1f} GFLOP, achieved {gflop / step:.1f} GFLOP/s; peak resident memory "
          f"{peak_mib:.0f} MiB; last loss {loss:.4f}; load average {os.getloadavg()[0]:.2f}")
    busy = statistics.median(cpu) / step
    print(f"process CPU time {1e3 * statistics.median(cpu):.1f} ms/step ({busy:.2f} of {args.threads} threads busy)"
          + (" -- other processes took part of the cores, the numbers are pessimistic"
             if busy < 0.75 * args.threads else ""))
    print(f"throughput: {args.batch / step:.1f} img/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
