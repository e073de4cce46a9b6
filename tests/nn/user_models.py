"""User models that are not in the zoo, written the ways people write them (for the rewrite tests)."""

import torch
import torch.nn.functional as F
from torch import nn


class PlainBN(nn.Module):
    """conv-BN-ReLU modules, pool, GAP and a linear head."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 8, 3, padding=1, bias=False)
        self.bn1, self.relu1 = nn.BatchNorm2d(8), nn.ReLU()
        self.conv2, self.bn2, self.relu2 = nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.pool(self.relu1(self.bn1(self.conv1(x))))
        x = self.relu2(self.bn2(self.conv2(x)))
        return self.fc(self.drop(F.adaptive_avg_pool2d(x, 1).flatten(1)))


class NoBNBias(nn.Module):
    """No BN, convs with bias, functional and method ReLUs, view(N, -1) into a linear without GAP."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.c1 = nn.Conv2d(in_channels, 6, 3, padding=1)
        self.c2 = nn.Conv2d(6, 10, 3, stride=2, padding=1)
        self.fc = nn.Linear(10 * 8 * 8, num_classes)

    def forward(self, x):
        x = F.relu(self.c1(x))
        x = self.c2(x).relu()
        return self.fc(x.view(x.size(0), -1))


class Residual(nn.Module):
    """A pre-block conv then a residual block written with ``+=`` and one shared ReLU module."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.a = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.a_bn = nn.BatchNorm2d(8)
        self.b = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.b_bn = nn.BatchNorm2d(8)
        self.head = nn.Linear(8, num_classes)

    def forward(self, x):
        x = self.relu(self.stem_bn(self.stem(x)))
        out = self.relu(self.a_bn(self.a(x)))
        out = self.b_bn(self.b(out))
        out += x
        out = self.relu(out)
        return self.head(out.mean((2, 3)))


class Concat(nn.Module):
    """A conv-ReLU whose output is concatenated with another branch."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.a = nn.Conv2d(in_channels, 4, 3, padding=1)
        self.b = nn.Conv2d(in_channels, 4, 1)
        self.head = nn.Conv2d(8, num_classes, 1)

    def forward(self, x):
        y = torch.cat([torch.relu(self.a(x)), self.b(x)], dim=1)
        return self.head(y).mean((2, 3))


class Odd(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 5, 3)
        self.act = nn.ReLU()
        self.fc = nn.Linear(5, num_classes)

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).amax((2, 3)))


class Depthwise(nn.Module):
    """conv-ReLU feeding a depthwise conv (crelu cannot double a grouped conv's input)."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 8, 3, padding=1)
        self.act = nn.ReLU()
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.act2 = nn.ReLU()
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(self.act2(self.dw(self.act(self.conv(x)))).mean((2, 3)))


class Branchy(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 4, 3)
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        y = torch.relu(self.conv(x))
        if y.sum() > 0:
            y = y * 2
        return self.fc(y.mean((2, 3)))


def not_a_model(in_channels=3, num_classes=10):
    return "model"


class BNAfterAct(nn.Module):
    """conv -> ReLU -> BN (BN after the activation, as some nets do), then conv; BatchNorm1d head."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.conv, self.act, self.bn = nn.Conv2d(in_channels, 6, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(6)
        self.conv2, self.act2 = nn.Conv2d(6, 8, 3, padding=1), nn.ReLU()
        self.bn1d = nn.BatchNorm1d(8)
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = self.act2(self.conv2(self.bn(self.act(self.conv(x)))))
        return self.fc(self.bn1d(torch.flatten(F.adaptive_max_pool2d(x, 1), 1)))


class SharedModules(nn.Module):
    """One ReLU module reused at every site (harmless), and one conv applied twice (crelu must refuse)."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(in_channels, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)
        self.twice = nn.Conv2d(4, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x):
        x = self.relu(self.relu(self.c1(x)))  # the second call passes the CReLU output through
        x = self.relu(self.c2(x))
        x = self.twice(self.twice(x))
        return self.fc(x.mean((2, 3)))
